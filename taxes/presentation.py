"""The ภ.ด.ส.7 / ภ.ป.3 breakdown lines in words: what each stored line means, in Thai, for pages and PDFs."""

from decimal import Decimal

from django.utils.translation import gettext as _

from assets.choices import SignType, Structure, UseCategory
from municipalities.thai import format_baht, format_rai_ngan_wa
from taxes.rules.money import plain


def _percent(rate: str) -> str:
    return plain(Decimal(rate) * 100)


def _number(value: str) -> str:
    number = Decimal(value)
    return f"{number:,.2f}".rstrip("0").rstrip(".") if number % 1 else f"{number:,.0f}"


def _use(use: str) -> str:
    return str(UseCategory(use).label) if use in UseCategory.values else use


def breakdown_rows(lines: list[dict]) -> list[dict]:
    """[{label, amount, kind}] where kind is "add", "less", "subtotal" or "total"."""
    rows = []

    def row(label, amount=None, kind="add"):
        rows.append({"label": label, "amount": None if amount is None else format_baht(Decimal(amount)), "kind": kind})

    for line in lines:
        code = line["code"]
        if code == "land_value":
            row(
                _("ที่ดิน %(area)s ตร.ว. (%(rng)s ไร่-งาน-ตร.ว.) × %(price)s บาท/ตร.ว. × สัดส่วนกรรมสิทธิ์ %(share)s")
                % {
                    "area": _number(line["area_sq_wah"]),
                    "rng": format_rai_ngan_wa(Decimal(line["area_sq_wah"])),
                    "price": _number(line["price_per_sq_wah"]),
                    "share": line["share"],
                },
                line["amount"],
            )
        elif code == "building_value":
            row(
                _("สิ่งปลูกสร้างหลังที่ %(n)s: %(area)s ตร.ม. × %(price)s บาท/ตร.ม. × สัดส่วนกรรมสิทธิ์ %(share)s")
                % {
                    "n": line["number"],
                    "area": _number(line["floor_area_m2"]),
                    "price": _number(line["price_per_m2"]),
                    "share": line["share"],
                },
                line["amount"],
            )
        elif code == "depreciation":
            row(
                _("หักค่าเสื่อมราคา (%(structure)s อายุ %(age)s ปี ร้อยละ %(rate)s)")
                % {
                    "structure": Structure(line["structure"]).label,
                    "age": line["age_years"],
                    "rate": _percent(line["rate"]),
                },
                line["amount"],
                "less",
            )
        elif code == "use_value":
            row(_("มูลค่าฐานภาษี: %(use)s") % {"use": _use(line["use"])}, line["amount"], "subtotal")
            if Decimal(line["exemption"]):
                row(_("หักมูลค่าที่ได้รับยกเว้น (มาตรา 40, 41)"), line["exemption"], "less")
        elif code == "vacant_increase":
            row(
                _("ทิ้งไว้ว่างเปล่าติดต่อกัน %(years)s ปี: เพิ่มอัตราร้อยละ %(rate)s (มาตรา 43, รวมไม่เกินร้อยละ %(max)s)")
                % {"years": line["vacant_years"], "rate": _percent(line["rate"]), "max": _percent(line["max_rate"])}
            )
        elif code == "bracket":
            row(
                _("%(use)s: มูลค่าส่วนที่เกิน %(low)s ถึง %(high)s บาท อัตราร้อยละ %(rate)s")
                % {
                    "use": _use(line["use"]),
                    "low": _number(line["from"]),
                    "high": _number(line["to"]),
                    "rate": _percent(line["rate"]),
                },
                line["amount"],
            )
        elif code == "computed_tax":
            row(_("ภาษีที่คำนวณได้"), line["amount"], "subtotal")
        elif code == "transitional_relief":
            row(
                _("บรรเทาภาระภาษีตามมาตรา 97 (ภาษีปีก่อน %(prior)s บาท ชำระส่วนต่างร้อยละ %(rate)s)")
                % {"prior": format_baht(Decimal(line["prior_year_tax"])), "rate": _percent(line["rate"])},
                line["amount"],
                "less",
            )
        elif code == "reduction":
            row(_("ลดภาษีตามพระราชกฤษฎีกา ร้อยละ %(rate)s") % {"rate": _percent(line["rate"])}, line["amount"], "less")
        elif code == "first_year":
            row(_("ติดตั้งในงวดที่ %(q)s ของปี (มาตรา 7)") % {"q": line["quarter"]})
        elif code == "sign":
            row(
                _(
                    "ป้าย%(type)s%(moving)s ขนาด %(w)s × %(h)s ซม. = %(area)s ตร.ซม. = %(units)s หน่วย × %(rate)s บาท "
                    "× สัดส่วน %(share)s (ขั้นต่ำ %(min)s บาท)"
                )
                % {
                    "type": SignType(line["sign_type"]).label,
                    "moving": _(" (เคลื่อนที่ได้)") if line["moving"] else "",
                    "w": line["width_cm"],
                    "h": line["height_cm"],
                    "area": f"{line['area_cm2']:,}",
                    "units": line["units"],
                    "rate": line["rate"],
                    "share": line["share"],
                    "min": line["minimum"],
                },
                line["amount"],
            )
        elif code == "faces":
            row(_("ป้าย %(n)s ด้าน") % {"n": line["faces"]}, line["amount"], "subtotal")
        elif code == "replaces":
            row(_("หักภาษีของป้ายเดิมที่ถูกแทนที่ (มาตรา 14 ทวิ)"), line["amount"], "less")
        elif code == "late_filing":
            row(_("เงินเพิ่มกรณียื่นแบบล่าช้า ร้อยละ %(rate)s (มาตรา 25)") % {"rate": _percent(line["rate"])}, line["amount"])
        elif code == "tax":
            row(_("ภาษีที่ต้องชำระ"), line["amount"], "total")
    return rows
