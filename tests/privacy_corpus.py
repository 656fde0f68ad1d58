"""Planted personal data, written the ways residents really type it, for the masking tests.

Generated systematically: each kind of value (mobile, landline, ID number, bank card, e-mail,
QQ/WeChat id, street address) in every format residents use (spaces, dots, hyphens, brackets,
+86, full-width digits and separators, `[at]` …), each inside a few sentences. Every variant
records the `secret`: a part of the value that must not survive masking in any width or spacing.
Also used by bench/masking.py.
"""
from __future__ import annotations

from dataclasses import dataclass

FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


@dataclass(frozen=True)
class Planted:
    kind: str
    value: str   # as typed
    secret: str  # digits or letters that must not appear in the masked text (compared width-folded, no separators)


def _luhn_complete(prefix: str) -> str:
    """`prefix` plus the check digit that makes it a valid bank card number."""
    total = 0
    for position, char in enumerate(reversed(prefix + "0")):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return prefix + str((10 - total % 10) % 10)


def _mobiles() -> list[Planted]:
    out = []
    for number in ("13912345678", "15867043219", "18957012346", "17705793381"):
        a, b, c = number[:3], number[3:7], number[7:]
        formats = [
            number, f"{a} {b} {c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+86{number}", f"+86 {a} {b} {c}",
            f"+86-{a}-{b}-{c}", f"(+86){number}", f"0086 {number}", f"86-{number}", f"({a}){b}-{c}",
            f"{a}{b} {c}", number.translate(FULL_WIDTH), f"{a} {b} {c}".translate(FULL_WIDTH),
            f"{a}－{b}－{c}", f"{a}—{b}—{c}", f"{a}·{b}·{c}", f"（+86）{a}　{b}　{c}",
        ]
        out += [Planted("mobile", f, b + c) for f in formats]
    return out


def _landlines() -> list[Planted]:
    out = []
    for area, number in (("0571", "87654321"), ("010", "62751234"), ("0570", "3081234")):
        formats = [
            f"{area}-{number}", f"{area} {number}", f"({area}){number}", f"（{area}）{number}",
            f"{area}{number}", f"+86 {area[1:]} {number}", f"+86-{area[1:]}-{number}",
            f"{area}-{number[:4]}-{number[4:]}", f"{area}-{number}".translate(FULL_WIDTH),
            f"{area} {number[:4]} {number[4:]}",
        ]
        out += [Planted("landline", f, number) for f in formats]
    return out


def _id_numbers() -> list[Planted]:
    out = []
    for number in ("110101199003071234", "33080219851120003X", "330802200102286617", "51010419770101002x"):
        region, birth, tail = number[:6], number[6:14], number[14:]
        formats = [
            number, f"{region} {birth} {tail}", f"{region}-{birth}-{tail}", number.translate(FULL_WIDTH),
            f"{region} {birth[:4]} {birth[4:]} {tail}", f"{region}　{birth}　{tail}",
        ]
        out += [Planted("id_number", f, birth + tail[:3]) for f in formats]
    out.append(Planted("id_number", "330802851120003", "851120003"))  # 15-digit ID of the 1980s
    return out


def _bank_cards() -> list[Planted]:
    out = []
    for prefix in ("622202120304050", "621700123456789012", "436742001234567"):
        number = _luhn_complete(prefix)
        groups = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
        formats = [number, groups, groups.replace(" ", "-"), number.translate(FULL_WIDTH), groups.translate(FULL_WIDTH)]
        out += [Planted("bank_card", f, number[4:-4]) for f in formats]
    return out


def _emails() -> list[Planted]:
    out = []
    for local, domain in (("zhangwei1988", "qq.com"), ("li.na_hz", "163.com"), ("wangfang.work", "example.com.cn")):
        formats = [
            f"{local}@{domain}", f"{local}＠{domain}", f"{local}[at]{domain}", f"{local}(at){domain}",
            f"{local} @ {domain}", f"{local}[at]{domain.replace('.', '[dot]')}", f"{local.upper()}@{domain.upper()}",
            f"{local}@{domain}".translate(FULL_WIDTH), f"{local}（at）{domain}",
        ]
        out += [Planted("email", f, local) for f in formats]
    return out


def _messenger_ids() -> list[Planted]:
    out = []
    labels = ["QQ", "QQ号", "qq号码", "扣扣", "微信", "微信号", "VX", "vx", "wx", "V信", "加V", "weixin", "WeChat"]
    for label in labels:
        for separator, ident in ((":", "zhangwei_88"), ("：", "382917465"), (" ", "hz-liming2024"), ("是", "wxid_a1b2c3")):
            out.append(Planted("messenger", f"{label}{separator}{ident}", ident))
    return out


def _addresses() -> list[Planted]:
    places = ["中山路", "解放东路", "阳光小区", "府山街道幸福里", "钻石新村", "荷花苑", "衢江大道", "柯城区上街"]
    houses = [
        ("88号3栋2单元501室", "3栋2单元501室"), ("5幢302", "5幢302"), ("3-2-501", "3-2-501"),
        ("12号1201室", "1201室"), ("三栋二单元五〇一室", "三栋二单元五〇一室"),
        ("１８号４幢６０３室", "4幢603室"),
    ]
    return [Planted("address", place + house, secret) for place in places for house, secret in houses]


SENTENCES = (
    "{}",
    "如有疑问请联系我，{}，谢谢！2020年3月我已反映过一次。",
    "联系方式：{}（工作日9点至17点）",
)


def planted_values() -> list[Planted]:
    return _mobiles() + _landlines() + _id_numbers() + _bank_cards() + _emails() + _messenger_ids() + _addresses()


def corpus() -> list[tuple[Planted, str]]:
    """Every planted value inside every sentence: (planted, text)."""
    return [(p, sentence.format(p.value)) for p in planted_values() for sentence in SENTENCES]


def leaked(planted: Planted, masked_text: str) -> bool:
    """Does the secret survive in `masked_text`, whatever its width, case or separators?"""
    folded = masked_text.translate({ord(c): ord(c) - 0xFEE0 for c in map(chr, range(0xFF01, 0xFF5F))})
    squeezed = "".join(ch for ch in folded.lower() if ch.isalnum() or ch in "〇")
    secret = planted.secret.translate({ord(c): ord(c) - 0xFEE0 for c in map(chr, range(0xFF01, 0xFF5F))}).lower()
    secret = "".join(ch for ch in secret if ch.isalnum() or ch in "〇")
    return secret in squeezed
