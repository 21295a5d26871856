import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from municipalities.thai import be_year, format_baht, format_rai_ngan_wa, rai_ngan_wa, thai_date


@pytest.mark.parametrize(
    ("sq_wah", "short", "long"),
    [
        (Decimal("650.5"), "1-2-50.5", "1 ไร่ 2 งาน 50.5 ตารางวา"),
        (Decimal("400"), "1-0-0", "1 ไร่ 0 งาน 0 ตารางวา"),
        (Decimal("99.99"), "0-0-99.99", "0 ไร่ 0 งาน 99.99 ตารางวา"),
        (Decimal("1234"), "3-0-34", "3 ไร่ 0 งาน 34 ตารางวา"),
        (Decimal("100"), "0-1-0", "0 ไร่ 1 งาน 0 ตารางวา"),
    ],
)
def test_square_wah_are_written_as_rai_ngan_wa(sq_wah, short, long):
    assert format_rai_ngan_wa(sq_wah) == short
    assert format_rai_ngan_wa(sq_wah, long=True) == long


def test_rai_ngan_wa_parts_add_back_to_the_area():
    rai, ngan, wah = rai_ngan_wa(Decimal("1234.25"))
    assert (rai, ngan, wah) == (3, 0, Decimal("34.25"))
    assert rai * 400 + ngan * 100 + wah == Decimal("1234.25")


def test_dates_are_shown_in_the_buddhist_era():
    assert be_year(2026) == 2569
    assert thai_date(datetime.date(2026, 11, 21)) == "21 พ.ย. 2569"
    assert thai_date(datetime.date(2026, 2, 1), long=True) == "1 กุมภาพันธ์ พ.ศ. 2569"


def test_an_aware_datetime_is_shown_in_bangkok_time():
    moment = datetime.datetime(2026, 12, 31, 20, 30, tzinfo=ZoneInfo("UTC"))
    assert thai_date(moment) == "1 ม.ค. 2570 03:30 น."


def test_money_is_shown_in_baht_with_two_decimals():
    assert format_baht(Decimal("1234.5")) == "1,234.50"
    assert format_baht(Decimal("552"), unit=True) == "552.00 บาท"
    assert format_baht(Decimal("0.005")) == "0.01"


def test_the_template_filters_are_available_everywhere():
    rendered = Template(
        "{{ d|be_date }} · {{ a|rai_ngan_wa:'long' }} · {{ m|baht:'unit' }} · {{ i|masked_id }}"
    ).render(
        Context({"d": datetime.date(2026, 4, 30), "a": Decimal("650.5"), "m": Decimal("190000"), "i": "3100600445635"})
    )
    assert rendered == "30 เม.ย. 2569 · 1 ไร่ 2 งาน 50.5 ตารางวา · 190,000.00 บาท · 3-xxxx-xxxxx-xx-5"
