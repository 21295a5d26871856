from django import template

from assets.validators import mask_national_id
from municipalities import thai

register = template.Library()


@register.filter
def be_date(value, style="short"):
    return thai.thai_date(value, long=style == "long")


@register.filter
def be_year(value):
    return "" if value in (None, "") else str(thai.be_year(int(value)))  # a year, never "2,569"


@register.filter
def rai_ngan_wa(value, style="short"):
    return thai.format_rai_ngan_wa(value, long=style == "long")


@register.filter
def baht(value, style=""):
    return thai.format_baht(value, unit=style == "unit")


@register.filter
def masked_id(value):
    return mask_national_id(value)
