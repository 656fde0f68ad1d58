"""What a user does in the browser tests, waiting as a user would."""
from __future__ import annotations


def submit(control) -> None:
    """Click a button (or link) that loads a new page, and wait until that page has loaded.

    Playwright's click returns once the navigation has begun, so a check right after it can
    still read the old page (or a half-parsed new one), and a `goto` right after it can cancel
    the post: the tests were flaky in CI until every such click went through here."""
    with control.page.expect_navigation():
        control.click()
