"""Outgoing e-mail: printed to the log by default, or sent through SMTP when configured."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "log":
        log.info("mail to %s: %s\n%s", to, subject, body)
        return
    send_smtp(to, subject, body)


def send_smtp(to: str, subject: str, body: str) -> None:
    """Send through the SMTP server of the mail settings, whatever MAIL_BACKEND says."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
