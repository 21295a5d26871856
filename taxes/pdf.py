"""Notices as PDF (WeasyPrint), in Thai with the Sarabun font shipped by fontpkg-sarabun, B.E. dates."""

import fontpkg_sarabun
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from assets.locator import parcel_locator_svg, point_locator_svg
from taxes.choices import NoticeKind, TaxKind
from taxes.presentation import breakdown_rows

FONTS = fontpkg_sarabun.ROOT / "files"
FONT_CSS = "\n".join(
    f"@font-face {{ font-family: 'Sarabun'; src: url('{(FONTS / f'Sarabun-{style}.ttf').as_uri()}'); "
    f"font-weight: {weight}; }}"
    for style, weight in (("Regular", 400), ("Bold", 700))
)


def _context(notice, brandings) -> dict:
    assessment = notice.assessment
    if assessment.kind == TaxKind.SIGNBOARD:
        sign = assessment.signboard
        locator = point_locator_svg(sign.municipality, sign.location, label=sign.signboard_code)
    else:
        locator = parcel_locator_svg(assessment.parcel)
    instalments = list(assessment.instalments.order_by("number"))
    # A correction's notice says what it changes: the tax notified before, and the increase it adds
    # on a date of its own (the last row; taxes.rules.collection.corrected_plan).
    previous = assessment.supersedes if assessment.supersedes_id else None
    increase = instalments[-1] if previous and assessment.tax > previous.tax else None
    return {
        "notice": notice,
        "assessment": assessment,
        "municipality": assessment.municipality,
        "owner": assessment.owner,
        "rows": breakdown_rows(assessment.breakdown),
        "instalments": instalments,
        "previous": previous,
        "increase": increase,
        "warning": notice.kind == NoticeKind.WARNING,
        "locator": mark_safe(locator),
        "branding": brandings[assessment.municipality_id],
    }


def render_notices(notices) -> bytes:
    """One PDF with every notice in order: ภ.ด.ส.6 followed by its ภ.ด.ส.7 sheet, or ภ.ป.3."""
    from catalogue.selectors import profile_of

    notices = list(notices)
    # The municipality's logo, colour and letterhead (catalogue app), read once per municipality.
    brandings = {n.assessment.municipality_id: None for n in notices}
    for n in notices:
        if brandings[n.assessment.municipality_id] is None:
            brandings[n.assessment.municipality_id] = profile_of(n.assessment.municipality)
    html = render_to_string("taxes/notice_pdf.html", {"pages": [_context(n, brandings) for n in notices]})
    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(FONTS)).write_pdf(
        stylesheets=[CSS(string=FONT_CSS, font_config=fonts)], font_config=fonts
    )
