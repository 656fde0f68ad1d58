"""Masking of personal data in text residents wrote, before it reaches anything public.

Residents sometimes put their phone number, ID number or e-mail into a suggestion's text (the
shared real messages do). Staff see the original; public pages, feeds, exports, the API and the
search index see the masked text.
"""
from __future__ import annotations

import re

# Order matters: ID numbers (18 digits) before phone numbers, which are shorter.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")
_BANK_CARD = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# "我叫张三" / "本人李四": a name right after a self-introduction.
_SELF_NAME = re.compile(r"(我叫|我是|本人叫|本人是|本人|联系人[:：]?|姓名[:：]?)([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})(?=[,，。;；、\s]|$)")


def mask_personal_data(text: str | None) -> str:
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + "****", text)
    text = _BANK_CARD.sub(lambda m: m.group(1) + " **** **** " + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(2) + "****" + m.group(4), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(2)[-2:], text)
    text = _EMAIL.sub(lambda m: "***@" + m.group(1), text)
    text = _SELF_NAME.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)), text)
    return text
