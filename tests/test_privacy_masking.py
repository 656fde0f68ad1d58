"""Masking holds against personal data as residents type it, and leaves ordinary numbers alone."""
from collections import Counter

import pytest

from portal.services.privacy import mask_personal_data
from tests.privacy_corpus import corpus, leaked

CORPUS = corpus()


def test_the_planted_corpus_is_large_and_covers_every_kind():
    kinds = Counter(planted.kind for planted, _ in CORPUS)
    assert len(CORPUS) >= 200
    assert set(kinds) == {"mobile", "landline", "id_number", "bank_card", "email", "messenger", "address"}
    assert min(kinds.values()) >= 30


@pytest.mark.parametrize("kind", ["mobile", "landline", "id_number", "bank_card", "email", "messenger", "address"])
def test_every_planted_variant_is_masked(kind):
    leaks = [text for planted, text in CORPUS
             if planted.kind == kind and leaked(planted, mask_personal_data(text))]
    assert leaks == []


def test_the_leak_check_itself_finds_unmasked_values():
    assert all(leaked(planted, text) for planted, text in CORPUS)


@pytest.mark.parametrize("typed, shown", [
    ("请回电１３９１２３４５６７８，谢谢。", "请回电139****5678，谢谢。"),
    ("手机139.1234.5678", "手机139****5678"),
    ("电话：+86 (139) 1234-5678。", "电话：139****5678。"),
    ("座机（0571）8765 4321", "座机0571-******21"),
    ("身份证110101 19900307 1234", "身份证110101************"),
    ("身份证号33080219851120003X。", "身份证号330802************。"),
    ("邮箱 name＠example.com", "邮箱 ***@example.com"),
    ("邮箱 li.na[at]163[dot]com", "邮箱 ***@163.com"),
    ("加我微信：zhang_san88", "加我微信：***"),
    ("QQ号 382917465", "QQ号 ***"),
    ("我家在中山路88号3栋2单元501室，", "我家在中山路***，"),
    ("住阳光小区5幢302", "住阳光小区***"),
    ("我叫张三，", "我叫张*，"),
    ("本人刘平积，女", "本人刘**，女"),
])
def test_typed_values_are_shown_masked_and_the_rest_of_the_text_unchanged(typed, shown):
    assert mask_personal_data(typed) == shown


@pytest.mark.parametrize("text", [
    "2020年1月7日 21:31:53 提交，2020/1/7 又补充了一次，2019-04-25 9:32:09 回复。",
    "补缴27000元，水4.23一吨，电0.64一度，交20万保证金，合计1,250,000.50元。",
    "小区有1200户、3000多人，每年3月、4月各检查2次，通过率99.93%。",
    "根据浙政办发〔2021〕12号文件和《信访工作条例》第三十二条，2024年8月上线，50套房源，112人咨询，13人签约。",
    "我是个体户，本人而言，本人了解，我是农民工，对本人意见不予理睬。",
    "小区一楼的夜宵摊，县城三期菜店，二期建设工程。",
    "设备编码为：1003788-6200-383653，工单号 20200107000123。",
    "微信公众号、QQ群里都有通知，关注微信公众号即可。",
])
def test_dates_money_counts_and_document_numbers_survive(text):
    assert mask_personal_data(text) == text


def test_empty_and_missing_text():
    assert mask_personal_data(None) == ""
    assert mask_personal_data("") == ""
