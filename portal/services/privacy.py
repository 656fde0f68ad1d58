"""Masking of personal data in text residents and staff wrote, before it reaches anything public.

Residents put their phone number, ID number, e-mail, QQ/WeChat id or home address into a
suggestion's text (the shared real messages do), typed the way Chinese input methods type them:
full-width digits and ＠, dots or spaces between digit groups, `[at]` for the at sign. Staff see
the original; everything public receives the masked text through `portal.services.public_views`.

How it holds against such input:
- matching runs on a width-folded copy of the text (NFKC per character, kept only where it maps
  one character to one, so positions in the copy are positions in the original); the masked spans
  are replaced in the original, so the rest of the text keeps its full-width punctuation;
- numbers are found as one "digit chain" (digits with at most two separators between them:
  spaces, dots, hyphens, brackets) and classified by their digits alone, so `139.1234.5678`,
  `+86 (139) 1234-5678` and `110101 19900307 1234` are the same numbers as their plain forms;
- dates, money, years, counts and document numbers are digit chains of other shapes and survive.

Masking runs on hot paths (lists of 50, exports of 100 000 rows): the patterns are compiled once
and a text without any trigger (no digit, no at sign, no contact label) returns after one search.
"""
from __future__ import annotations

import re
import unicodedata


def _width_fold_table() -> dict[int, int]:
    """NFKC for the characters that NFKC maps to one ASCII character (full-width forms, circled
    and superscript digits, ideographic space): what matching needs, built once at import."""
    table: dict[int, int] = {}
    for first, last in ((0x00A0, 0x00FF), (0x2000, 0x24FF), (0x3000, 0x303F), (0xFE10, 0xFFEF)):
        for code in range(first, last + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code) and folded.isascii():
                table[code] = ord(folded)
    # Dashes and the ideographic full stop used between digit groups; NFKC keeps these.
    for dash in "‐‑‒–—―−﹣":
        table[ord(dash)] = ord("-")
    table[ord("·")] = ord(".")
    table[ord("・")] = ord(".")
    table[ord("。")] = ord(".")
    return table


_FOLD = _width_fold_table()
# Characters whose folding changes what matches. Full-width punctuation (，：（）) is in every
# Chinese text and the patterns accept it as typed, so it does not make a text pay for folding.
_NEEDS_FOLD = re.compile("[\uff0b\uff0d\uff0e\uff10-\uff3a\uff41-\uff5a\u3000\u00a0\u00b7\u2010-\u2015\u2070-\u209f\u2212\u2460-\u24ff\u30fb\ufe63]")

# Anything that could start a match. Texts without one (most titles) skip all other patterns.
_TRIGGER = re.compile(
    r"[0-9０-９@＠]|\[at\]|\(at\)|（at）|[一二三四五六七八九十两零〇][栋幢座单元室号]|"
    r"我叫|我是|本人|联系人|姓名",
    re.IGNORECASE,
)

# --- numbers ---------------------------------------------------------------------------------
# A chain of digits with at most two separators between neighbours; an optional + and brackets
# in front (+86, (0571)), an optional X at the end (ID numbers).
_SEP = r"[ \t\-.()（）]"
_DIGIT_CHAIN = re.compile(rf"[(（+]*\d(?:{_SEP}{{0,2}}\d)*(?:{_SEP}{{0,2}}[Xx])?", re.ASCII)
_MOBILE = re.compile(r"(1[3-9]\d)(\d{4})(\d{4})")
_ID_18 = re.compile(r"(\d{6})(\d{8})(\d{3}[\dXx])")
_ID_15 = re.compile(r"(\d{6})(\d{9})")
_LANDLINE = re.compile(r"0?([12]\d|[3-9]\d\d)(\d{7,8})")  # area code (its 0 optional after +86), number
_BANK_CARD = re.compile(r"(\d{4})\d{8,11}(\d{4})")
# A local number without area code counts only right after a phone label.
_PHONE_LABEL = re.compile(r"(?:电话|座机|手机|联系方式|tel|phone)[号码]*\s*[:：是为]?\s*$", re.IGNORECASE)
_LOCAL_NUMBER = re.compile(r"\d{7,8}")
_COUNTRY_CODE = re.compile(r"^(?:00|\+)?86")


def _mask_digits(chain: str, before: str) -> str | None:
    """The masked form of one digit chain, or None when it is not personal data."""
    digits = re.sub(r"[^\dXx]", "", chain)
    if match := _ID_18.fullmatch(digits):
        return f"{match.group(1)}************"
    if digits[-1] in "Xx":
        return None
    national = _COUNTRY_CODE.sub("", digits) if _COUNTRY_CODE.match(chain.lstrip("(")) else digits
    if match := _MOBILE.fullmatch(national):
        return f"{match.group(1)}****{match.group(3)}"
    if (national is not digits or digits.startswith("0")) and (match := _LANDLINE.fullmatch(national)):
        return f"0{match.group(1)}-******{match.group(2)[-2:]}"
    if match := _ID_15.fullmatch(digits):
        return f"{match.group(1)}*********"
    if (match := _BANK_CARD.fullmatch(digits)) and digits[0] in "3456" and _luhn_valid(digits):
        return f"{match.group(1)} **** **** {match.group(2)}"
    if _LOCAL_NUMBER.fullmatch(digits) and _PHONE_LABEL.search(before):
        return f"******{digits[-2:]}"
    return None


def _luhn_valid(digits: str) -> bool:
    """Bank card numbers carry a Luhn check digit; equipment codes and order numbers rarely do."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# --- e-mail, QQ / WeChat ------------------------------------------------------------------------
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+\s*(?:@|\[at\]|\(at\)|（at）|\{at\}|<at>)\s*"
    r"([A-Za-z0-9-]+(?:\s*(?:\.|\[dot\]|\(dot\)|（dot）)\s*[A-Za-z0-9-]+)*\s*(?:\.|\[dot\]|\(dot\)|（dot）)\s*[A-Za-z]{2,})",
    re.IGNORECASE,
)
_IM_LABEL_WORDS = ("qq", "扣扣", "企鹅", "微信", "威信", "薇信", "v信", "vx", "wx", "weixin", "wechat", "加v", "加微")
_IM_LABEL = (
    r"(?:(?<![A-Za-z])(?:QQ|qq|Qq)(?:号码|号)?|扣扣号?|企鹅号|微信号?|威信号?|薇信号?|V信|v信|"
    r"(?<![A-Za-z])(?:VX|vx|Vx|wx|WX|Wx|weixin|WeChat|wechat)(?:号)?|加[Vv微])"
)
_IM_ID = re.compile(
    rf"({_IM_LABEL}\s*(?:[:：=]|是|为|id|ID)?\s*)([A-Za-z][-_A-Za-z0-9]{{4,19}}|\d[\d \-]{{4,14}}\d)(?![-_A-Za-z0-9])"
)

# --- addresses ----------------------------------------------------------------------------------
# A place word (road, lane, estate, building) followed by a house number down to the room:
# 中山路88号3栋2单元501室, 阳光小区5幢302, 幸福里3-2-501, 人民路一百号.
_NUM = r"[0-9一二三四五六七八九十百千零〇两]+"
_UNIT = r"(?:号楼|号院|号|弄|幢|栋|座|楼|层|单元|室|户|门|区|期|排)"
_PLACE = r"(?:路|街|大道|道|巷|弄|胡同|里|村|组|小区|花园|家园|新村|公寓|苑|园|府|城|大厦|广场|社区|宿舍)"
_ADDRESS = re.compile(
    rf"({_PLACE})\s*((?:{_NUM}\s*{_UNIT}\s*)+(?:{_NUM}(?![0-9年月日元万岁个次人%]))?|{_NUM}(?:-{_NUM}){{1,3}}(?:室|号)?)"
)

# A house number is private only down to a building, unit or room ("一楼", "三期" alone are not).
_HOUSE_PART = re.compile(r"[号栋幢座室户]|单元|\d-\d")
_HOUSE_TRIGGER = re.compile(r"[号栋幢座室户元]|\d-\d")

# A name right after a self-introduction: "我叫张三", "联系人：李四"; after "本人" / "我是" only
# when a common surname follows ("本人刘平积，" but not "本人而言，", "我是个体户，").
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤易涂"
)
_SELF_NAME_WORDS = ("我叫", "本人", "我是", "联系人", "姓名")
_SELF_NAME = re.compile(
    rf"(我叫|本人叫|联系人[:：]?|姓名[:：]?|(?:本人|我是|本人是)(?=[{_SURNAMES}]))"
    r"([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})(?=[,，。;；、\s]|$)"
)


def mask_personal_data(text: str | None) -> str:
    """The text with every phone, ID, bank card, e-mail, QQ/WeChat id and house number masked."""
    if not text:
        return ""
    if not _TRIGGER.search(text):
        return text
    folded = text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text
    lowered = folded.lower()
    spans: list[tuple[int, int, str]] = []  # (start, end, replacement) in `text`'s positions

    if "@" in folded or "at" in lowered:
        for match in _EMAIL.finditer(folded):
            domain = re.sub(r"\s+", "", match.group(1))
            domain = re.sub(r"\[dot\]|\(dot\)|（dot）", ".", domain, flags=re.IGNORECASE)
            spans.append((match.start(), match.end(), "***@" + domain))
    if any(word in lowered for word in _IM_LABEL_WORDS):
        for match in _IM_ID.finditer(folded):
            spans.append((match.start(2), match.end(2), "***"))
    for match in _DIGIT_CHAIN.finditer(folded):
        masked = _mask_digits(match.group(), folded[max(0, match.start() - 12):match.start()])
        if masked is not None:
            spans.append((match.start(), match.end(), masked))
    if _HOUSE_TRIGGER.search(folded):
        for match in _ADDRESS.finditer(folded):
            if _HOUSE_PART.search(match.group(2)):
                spans.append((match.start(2), match.end(2), "***"))
    if spans:
        text = _replace_spans(text, spans)
    if any(word in text for word in _SELF_NAME_WORDS):
        text = _SELF_NAME.sub(_mask_self_name, text)
    return text


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(spans):
        if start < position:  # overlaps a span already masked (an e-mail's digits)
            if end > position:
                position = end
            continue
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _mask_self_name(match: re.Match) -> str:
    return match.group(1) + match.group(2) + "*" * len(match.group(3))

