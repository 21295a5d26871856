"""Every change to assessments, notices and payments goes through these functions.

Each is one transaction and records who did it; an issued assessment is never edited (a correction
supersedes it); the maps' status rows are kept in step in the same transaction.
"""

import datetime
import logging
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.choices import PersonalDataAction
from audit.services import record_personal_data_access
from jobs.progress import NullProgress
from municipalities.thai import be_year, format_baht, thai_date
from taxes import calculator, runs
from taxes.choices import AssessmentStatus, NoticeKind, RunStatus, TaxKind
from taxes.facts import encode_land_building, encode_signboard
from taxes.models import Assessment, AssessmentRun, Instalment, Notice, Payment
from taxes.parameters import ParameterError
from taxes.rules import collection
from taxes.rules.money import SATANG
from taxes.rules.params import YearParameters

logger = logging.getLogger(__name__)


def _lock(*keys: int) -> None:
    """A transaction-level advisory lock: one run at a time per municipality and year."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(keys))


# Assessment runs ---------------------------------------------------------------------------------


def assessment_run(
    *, municipality, tax_year: int, acting_user=None, progress=None, task=None, workers: int | None = None
) -> AssessmentRun:
    """Assess every parcel, building and signboard of `municipality` for `tax_year`, as a new run.

    How the register maps to taxpayers (taxes/holdings.py):

    - **Who pays.** The owners on 1 January (LBTA s.9): every owner of a parcel (Ownership with
      `parcel`) and every owner of a building on it (Ownership with `building`). Each taxpayer gets
      one assessment per parcel, covering their share of the land and their shares of the
      buildings on it that they own. Co-owners are each assessed on their share: values are
      multiplied by the share before exemptions and brackets, so each co-owner's exemption and
      brackets apply to what they own. A parcel without any owner, without a land use, or without
      an appraisal price is reported in the run's problems (the first two are not assessed).
    - **Main residence (s.41).** A person (not a juristic person) whose ownership of the parcel or
      of a building on it is marked "name in the house registration on 1 January" has their main
      residence there: the parcel's and buildings' `residential_main` uses stay main residence
      (50 M exemption on land + building). If they own the building but not the land, the
      building's main-residence use becomes `residential_main_building_only` (10 M). One main
      residence per person: the first qualifying parcel by parcel code; any other is
      `residential_other`, as is a main-residence use for anyone else (juristic owners, owners
      not registered there).
    - **Farmers (s.40, s.96).** A person's agricultural land and buildings in this municipality
      share one 50 M exemption: holdings are taken in parcel-code order, each using what the
      previous ones left (`agriculture_exemption_used` in the facts). Juristic persons have none.
    - **Vacant land (s.43).** `vacant_years` = tax year − the year the vacant use began.
    - **Buildings.** Price per m² is the building's own `price_per_m2`, else the Treasury table
      by `building_type` (parameter `land_building.building_prices`); age = tax year − year built.
    - **Mixed use (s.38).** Shares of the uses' areas (land) and floor areas (buildings).
    - **Signboards.** Every sign standing during the year: the sign's owner pays, else the owner
      of the parcel it stands on (STA s.18); installed this year → from its quarter (s.7).

    A rerun creates a new run: subjects already issued keep their issued assessment when the tax is
    unchanged; when it changed, the new run holds a draft that supersedes it once issued. The run
    stores the parameter values used (with references); each assessment stores its facts (the
    calculator's JSON) and its ภ.ด.ส.7 breakdown.
    """
    progress = progress or NullProgress()
    try:
        YearParameters(tax_year, municipality.code)("land_building.rates.other")
    except ParameterError as error:
        raise ValidationError({"tax_year": _("ไม่มีอัตราภาษีสำหรับปี %(year)s") % {"year": be_year(tax_year)}}) from error
    clock = runs.Clock()
    owned = not connection.in_atomic_block  # see taxes/runs.py: two connections only for a run's own transactions
    with _session_lock(municipality.pk, tax_year), runs.no_cyclic_gc(), runs.beside_if(owned) as beside:
        _close_interrupted(municipality, tax_year)
        # The run is visible (running) from the start; reading and computing happen outside any long
        # transaction, so the progress written on the way reaches the page that shows it.
        run = AssessmentRun.objects.create(
            municipality=municipality, tax_year=tax_year, started_by=acting_user, task=task, status=RunStatus.RUNNING
        )
        try:
            progress.say(_("อ่านทะเบียนทรัพย์สิน"))
            with clock.db("read"), _snapshot(), connection.cursor() as cursor:
                raw = runs.fetch_register(cursor, municipality.pk, tax_year, beside)
            with clock.step("parse"):
                parcels, owner_kinds, signboards, issued, blocks = runs.parse_register(raw)
                del raw
                parcels = sorted(parcels.values(), key=lambda p: p.code)
            progress.say(_("คำนวณภาษี"))
            with tempfile.TemporaryDirectory(prefix="thesaban-run-") as workdir:
                with clock.step("rules"):
                    paths, stats, parameters = runs.compute_all(
                        workdir=Path(workdir),
                        progress=progress,
                        workers=workers if workers is not None else runs.default_workers(len(parcels)),
                        run_id=run.pk,
                        municipality_id=municipality.pk,
                        municipality_code=municipality.code,
                        tax_year=tax_year,
                        parcels=parcels,
                        owner_kinds=owner_kinds,
                        signboards=signboards,
                        issued=issued,
                    )
                del parcels
                with clock.step("status_rows"):
                    status = runs.status_text(
                        paths, municipality_id=municipality.pk, run_id=run.pk, tax_year=tax_year, blocks=blocks
                    )
                progress.say(_("บันทึกผลการประเมิน"))
                with clock.db("write"), transaction.atomic(), connection.cursor() as cursor:
                    status_copied = beside and runs.copy_status_beside(beside, status)
                    with clock.db("copy_in", within=True):
                        runs.copy_in(cursor, paths)
                    with clock.db("status", within=True):
                        if status_copied:
                            clock.steps["status_beside"] = round(status_copied.result(), 2)
                        else:
                            runs.copy_status(cursor.cursor, status)
                        cursor.execute(
                            "UPDATE taxes_assessmentrun SET is_current = false "
                            "WHERE municipality_id = %s AND tax_year = %s AND is_current",
                            [municipality.pk, tax_year],
                        )
                        issued_parcels, issued_signboards = runs.issued_subjects(issued)
                        runs.refresh_status(
                            cursor,
                            municipality_id=municipality.pk,
                            tax_year=tax_year,
                            run_id=run.pk,
                            parcel_ids=issued_parcels,
                            signboard_ids=issued_signboards,
                        )
                    run.status = RunStatus.DONE
                    run.is_current = True
                    run.finished_at = timezone.now()
                    run.parameters = parameters
                    run.stats = stats
                    run.save(update_fields=["status", "is_current", "finished_at", "parameters", "stats"])
        except Exception as error:
            if beside is not None:
                beside.wait()
            message = "\n".join(error.messages) if isinstance(error, ValidationError) else repr(error)[:2000]
            _fail(run, message, discard_status=beside is not None)
            raise
    run.stats["seconds"] = clock.summary()  # the write step includes the commit
    AssessmentRun.objects.filter(pk=run.pk).update(stats=run.stats)
    if owned:
        _vacuum_status(run)
    return run


VACUUM_STATUS = "VACUUM (ANALYZE) taxes_taxstatus"


def _vacuum_status(run) -> None:
    """Vacuum the status rows once a run has committed, so that the maps read them from the index alone.

    A tile probes each feature's status in the unique index that carries its figures
    (taxes.models.STATUS_FIGURES), without the table only on pages marked all-visible, which only a
    vacuum marks. Autovacuum comes after inserts of a fifth of the table: once the table holds a few
    years of runs, one run's rows stay unmarked until several runs later. On the 1M-parcel town a z14
    tile took 44 ms of the database's CPU before this vacuum and 36 ms after (docs/BENCHMARKS.md).

    The run is done and current before it, and the year's lock released; the vacuum (1.5-2.2 s after a
    1M run) is not in the run's database time but is in the caller's wait (a background task ends
    after it). It covers the whole table, every municipality's rows, skipping the pages already marked:
    two towns' runs ending together vacuum one after the other. A failure is logged; the run stands.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute(VACUUM_STATUS)
    except DatabaseError:  # the run stands; its tiles are slower until autovacuum comes
        logger.exception("vacuum of the status rows after run %s failed", run.pk)


def _close_interrupted(municipality, tax_year: int) -> None:
    """Close the runs of this municipality and year that a stopped process or server left "running".

    Every run holds `_session_lock` until it ends, and the caller holds it now, so none of them can be
    alive. Such a run committed nothing but the status rows copied beside it (its assessments were in
    the transaction that never committed): it is marked failed, saying why, and those rows are deleted,
    as when a run fails while its process lives. Another year's run is left alone: it may be running.
    """
    for run in AssessmentRun.objects.filter(municipality=municipality, tax_year=tax_year, status=RunStatus.RUNNING):
        message = _("การประเมินหยุดกลางคันเพราะโปรแกรมหรือเซิร์ฟเวอร์หยุดทำงาน จึงไม่มีผลการประเมินจากรอบนี้")
        _fail(run, message, discard_status=True)


def _fail(run, message: str, *, discard_status: bool) -> None:
    """Mark a run failed, saying why; with `discard_status`, delete the status rows its second
    connection committed beside it (taxes/runs.py)."""
    if discard_status:
        with connection.cursor() as cursor:
            runs.discard_status(cursor, municipality_id=run.municipality_id, run_id=run.pk)
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.message = message
    run.save(update_fields=["status", "finished_at", "message"])


@contextmanager
def _session_lock(*keys: int):
    """One run (or notice issue) at a time per municipality and year, across transactions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", list(keys))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", list(keys))


@contextmanager
def _snapshot():
    """One consistent snapshot for all the reads of a run (unless already inside a transaction)."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# Notices -----------------------------------------------------------------------------------------


def collection_parameters(kind: str, tax_year: int) -> collection.CollectionParameters:
    params = YearParameters(tax_year)
    if kind == TaxKind.SIGNBOARD:
        return collection.CollectionParameters.signboard(params)
    return collection.CollectionParameters.land_building(params)


def _next_number(municipality_id: int, kind: str, tax_year: int) -> str:
    """The next notice number of the year, "2569/000123" (callers hold the year's advisory lock).

    Numbered across the whole municipality: the base manager, so that a zone-limited officer's
    notices continue the town's sequence rather than their zone's."""
    prefix = f"{be_year(tax_year)}/"
    last = (
        Notice._base_manager.filter(municipality_id=municipality_id, kind=kind, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.split('/')[1]) + 1 if last else 1:06d}"


def _refresh(assessments) -> None:
    """Bring the maps' status rows of these assessments' parcels and signboards up to date."""
    by_run: dict[tuple, tuple[set, set]] = {}
    current_runs = {}
    for a in assessments:
        key = (a.municipality_id, a.tax_year)
        if key not in current_runs:
            current_runs[key] = (
                AssessmentRun._base_manager.filter(municipality_id=key[0], tax_year=key[1], is_current=True)
                .values_list("pk", flat=True)
                .first()
            )
        if current_runs[key] is None:
            continue
        parcels, signs = by_run.setdefault((*key, current_runs[key]), (set(), set()))
        (parcels if a.parcel_id else signs).add(a.parcel_id or a.signboard_id)
    with connection.cursor() as cursor:
        for (municipality_id, year, run_id), (parcels, signs) in by_run.items():
            runs.refresh_status(
                cursor,
                municipality_id=municipality_id,
                tax_year=year,
                run_id=run_id,
                parcel_ids=parcels,
                signboard_ids=signs,
            )


@transaction.atomic
def notices_issue(*, assessments, issued_on: datetime.date, acting_user) -> list[Notice]:
    """Issue the assessment notices (ภ.ด.ส.6 / ภ.ป.3) of draft assessments of a current run.

    Each assessment becomes issued and can no longer change; its due date and, from 3,000 baht,
    its instalments are set from the year's parameters; a correction supersedes the assessment it
    replaces. Assessments already issued are left as they are. Waits while a run of the same
    municipality and year is under way.
    """
    assessments = list(
        Assessment.objects.select_for_update()
        .filter(pk__in=[a.pk for a in assessments], status=AssessmentStatus.DRAFT)
        .select_related("run")
        .order_by("id")
    )
    for key in sorted({(a.municipality_id, a.tax_year) for a in assessments}):
        _lock(*key)
    if any(not a.run.is_current for a in assessments):
        raise ValidationError({"run": _("ออกหนังสือแจ้งได้เฉพาะจากการประเมินรอบล่าสุดของปี")})
    notices = [_issue(assessment, issued_on=issued_on, acting_user=acting_user) for assessment in assessments]
    _refresh(assessments)
    return notices


def _issue(assessment: Assessment, *, issued_on: datetime.date, acting_user) -> Notice:
    """Make one draft issued, with its notice and instalments (callers hold the year's lock).

    A first notice: the tax is due on the year's date (or 30 days after a late notice), in
    instalments from 3,000 baht. A correction (one made by `assessment_correct`, or a rerun's draft
    superseding an issued assessment) keeps the instalments of the assessment it corrects and adds
    an increase on its own date (`collection.corrected_plan`, LBTA s.52-53). The notice's date to pay
    by is the first due date of the plan on or after the notice, or the notice's own date when every
    due date has passed (nothing new to wait for: the tax is due already).
    """
    params = collection_parameters(assessment.kind, assessment.tax_year)
    notified_due_on = params.due_on(assessment.tax_year, issued_on)
    if not assessment.breakdown:
        assessment.breakdown = recompute(assessment)["breakdown"]
    plan = collection.plan_rows(collection.instalment_plan(assessment.tax, notified_due_on, params))
    if assessment.supersedes_id:
        old = Assessment.objects.select_for_update().get(pk=assessment.supersedes_id)
        if old.status != AssessmentStatus.ISSUED:
            # A rerun's draft made before the assessment it replaces was corrected (assessment_correct):
            # issued, it would stand beside the correction as a second tax bill for the same taxpayer.
            subject = assessment.parcel.parcel_code if assessment.parcel_id else assessment.signboard.signboard_code
            raise ValidationError(
                {
                    "assessment": _(
                        "การประเมินเดิมของ %(subject)s ถูกแก้ไขไปแล้วหลังการประเมินรอบนี้ โปรดประเมินใหม่ก่อนออกหนังสือแจ้ง"
                    )
                    % {"subject": subject}
                }
            )
        old.status = AssessmentStatus.SUPERSEDED
        old._history_user = acting_user
        old._change_reason = _("แทนที่ด้วยการประเมินแก้ไข %(id)s") % {"id": assessment.pk}
        old.save(update_fields=["status"])
        chain = Instalment._base_manager.filter(assessment_id__in=chain_of(old))
        plan = collection.corrected_plan(
            [(i.number, i.due_on, i.amount, i.additional) for i in chain.filter(assessment=old).order_by("number")],
            assessment.tax,
            notified_due_on,
            (chain.aggregate(last=Max("number"))["last"] or 0) + 1,  # a number no row of the chain had
        )
    due_on = min((row[1] for row in plan if row[1] >= issued_on), default=issued_on)
    assessment.status = AssessmentStatus.ISSUED
    assessment.issued_on = issued_on
    assessment._history_user = acting_user
    assessment.save(update_fields=["status", "issued_on", "breakdown"])
    notice = Notice.objects.create(
        municipality_id=assessment.municipality_id,
        assessment=assessment,
        kind=NoticeKind.ASSESSMENT,
        number=_next_number(assessment.municipality_id, NoticeKind.ASSESSMENT, assessment.tax_year),
        issued_on=issued_on,
        due_on=due_on,
        created_by=acting_user,
    )
    Instalment.objects.bulk_create(
        Instalment(
            municipality_id=assessment.municipality_id,
            assessment=assessment,
            number=number,
            due_on=row_due_on,
            amount=amount,
            additional=additional,
        )
        for number, row_due_on, amount, additional in plan
    )
    return notice


def recompute(assessment: Assessment) -> dict:
    """The calculator's answer for an assessment's stored facts (the same rules as the run)."""
    if assessment.kind == TaxKind.SIGNBOARD:
        return calculator.signboard(assessment.calculator_input)
    return calculator.land_building(assessment.calculator_input)


@transaction.atomic
def warning_issue(*, assessment: Assessment, issued_on: datetime.date, acting_user) -> Notice:
    """A warning letter for tax still unpaid after its due date (LBTA s.61); sets the 20 %/40 % stages."""
    if assessment.status != AssessmentStatus.ISSUED:
        raise ValidationError({"assessment": _("ส่งหนังสือแจ้งเตือนได้เฉพาะการประเมินที่แจ้งแล้ว")})
    if assessment.kind != TaxKind.LAND_BUILDING:
        raise ValidationError({"assessment": _("หนังสือแจ้งเตือนใช้กับภาษีที่ดินและสิ่งปลูกสร้าง")})
    # Only for tax already in arrears on the letter's date: after a correction, the tax notified may be
    # paid while the increase (s.53) is not yet due, though the plan's first date has long passed.
    dues = [line["due"].due_on for line in balance(assessment, on=issued_on)["dues"]]
    if not dues:
        raise ValidationError({"assessment": _("การประเมินนี้ชำระครบแล้ว")})
    if min(dues) >= issued_on:
        raise ValidationError({"issued_on": _("ยังไม่พ้นกำหนดชำระ %(date)s") % {"date": thai_date(min(dues))}})
    params = collection_parameters(assessment.kind, assessment.tax_year)
    _lock(assessment.municipality_id, assessment.tax_year)
    return Notice.objects.create(
        municipality_id=assessment.municipality_id,
        assessment=assessment,
        kind=NoticeKind.WARNING,
        number=_next_number(assessment.municipality_id, NoticeKind.WARNING, assessment.tax_year),
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=params.warning_period_days),
        created_by=acting_user,
    )


@transaction.atomic
def assessment_correct(
    *, assessment: Assessment, facts: dict, reason: str, issued_on: datetime.date, acting_user
) -> Assessment:
    """Correct an issued assessment: a new issued assessment with new facts supersedes it (audited).

    Payments already made on the old one count towards the new one, and so do the warning letters
    sent on it (LBTA s.61). The corrected tax is owed as `_issue` plans it: up to the tax of the old
    one on the dates already notified, so that tax already late stays late, with its penalty and
    surcharge (s.68-70); a reduction off the last instalments first; an increase due on its own date,
    30 days after this notice or on the year's date if later (s.53, s.46; STA s.19 for a signboard).
    """
    if not reason.strip():
        raise ValidationError({"reason": _("ต้องระบุเหตุผลการแก้ไข")})
    old = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if old.status != AssessmentStatus.ISSUED:
        raise ValidationError({"assessment": _("แก้ไขได้เฉพาะการประเมินที่แจ้งแล้วและยังไม่ถูกแทนที่")})
    signboard = old.kind == TaxKind.SIGNBOARD
    try:
        result = (calculator.signboard if signboard else calculator.land_building)(facts)
        case = (calculator.parse_signboard if signboard else calculator.parse_land_building)(facts)
    except calculator.CaseError as error:
        raise ValidationError({"facts": f"{error.field}: {error.message}"}) from None
    if case.tax_year != old.tax_year:
        raise ValidationError({"facts": _("ปีภาษีต้องเป็นปีเดียวกับการประเมินเดิม")})
    new = Assessment(
        municipality_id=old.municipality_id,
        run=old.run,
        tax_year=old.tax_year,
        kind=old.kind,
        owner_id=old.owner_id,
        parcel_id=old.parcel_id,
        signboard_id=old.signboard_id,
        facts=encode_signboard(case) if signboard else encode_land_building(case),
        tax=Decimal(result["tax"]),
        breakdown=result["breakdown"],
        supersedes=old,
        original_id=old.chain_id,
        correction_reason=reason,
    )
    new._history_user = acting_user
    new.full_clean()
    new.save()
    _lock(new.municipality_id, new.tax_year)
    _issue(new, issued_on=issued_on, acting_user=acting_user)
    _refresh([new])
    return new


# Payments ----------------------------------------------------------------------------------------


def chain_of(assessment: Assessment) -> list[int]:
    """The assessment and every correction of the same subject and year (they share `original`)."""
    chain = assessment.chain_id
    return list(Assessment._base_manager.filter(Q(pk=chain) | Q(original_id=chain)).values_list("pk", flat=True))


def balance(assessment: Assessment, *, on: datetime.date) -> dict:
    """What is paid and what is owed on `on`: principal, penalty and surcharge, instalment by instalment.

    Money is exact: paid (principal + penalty + surcharge) + outstanding (principal + accrued
    penalty and surcharge) == tax + penalties (charged on payments + accrued) + overpaid (the tax
    paid beyond a tax corrected down below it, to be refunded, LBTA s.54).
    """
    chain = chain_of(assessment)
    payments = list(Payment._base_manager.filter(assessment_id__in=chain).order_by("paid_on", "id"))
    plan = [(i.number, i.due_on, i.amount, i.additional) for i in assessment.instalments.order_by("number")]
    dues = collection.outstanding_instalments(plan, [(p.paid_on, p.principal) for p in payments], on)
    charge_for = _charges(assessment, chain)
    lines, accrued = [], Decimal(0)
    for due in dues:
        charge = charge_for(due, on)
        penalty, surcharge = charge.amounts(due.principal)
        accrued += penalty + surcharge
        lines.append({"due": due, "charge": charge, "penalty": penalty, "surcharge": surcharge})
    paid = {
        "principal": sum((p.principal for p in payments), Decimal(0)),
        "penalty": sum((p.penalty for p in payments), Decimal(0)),
        "surcharge": sum((p.surcharge for p in payments), Decimal(0)),
    }
    principal_left = sum((d.principal for d in dues), Decimal(0))
    return {
        "tax": assessment.tax,
        "payments": payments,
        "paid": paid,
        "paid_total": paid["principal"] + paid["penalty"] + paid["surcharge"],
        "charges_paid": paid["penalty"] + paid["surcharge"],
        "dues": lines,
        "principal_outstanding": principal_left,
        "accrued": accrued,
        "outstanding": principal_left + accrued,
        "penalties": paid["penalty"] + paid["surcharge"] + accrued,
        "overpaid": max(paid["principal"] - assessment.tax, Decimal(0)),
    }


def _charges(assessment: Assessment, chain: list[int]):
    """`charge_for(due, paid_on)`: the penalty and surcharge rates of a due paid on a date.

    Each due counts the first warning letter of the chain sent after it fell due (LBTA s.61,
    `collection.warning_for`)."""
    params = collection_parameters(assessment.kind, assessment.tax_year)
    warnings = list(
        Notice._base_manager.filter(assessment_id__in=chain, kind=NoticeKind.WARNING)
        .order_by("issued_on", "id")
        .values_list("issued_on", "due_on")
    )
    share = _surcharge_share(assessment)

    def charge_for(due: collection.Due, paid_on: datetime.date) -> collection.Charge:
        sent, by = collection.warning_for(due.due_on, warnings)
        return collection.charge_as_of(
            due_on=due.due_on,
            paid_on=paid_on,
            params=params,
            warning_sent_on=sent,
            warning_due_on=by,
            surcharge_share=share,
        )

    return charge_for


def _surcharge_share(assessment: Assessment) -> Decimal:
    return collection.surcharge_share_of(assessment.breakdown or recompute(assessment)["breakdown"])


def _current_of(assessment: Assessment) -> Assessment:
    """The issued assessment of the chain (payments are taken against the one in force)."""
    current = (
        Assessment._base_manager.filter(pk__in=chain_of(assessment), status=AssessmentStatus.ISSUED)
        .order_by("-id")
        .first()
    )
    if current is None:
        raise ValidationError({"assessment": _("รับชำระได้เฉพาะการประเมินที่แจ้งแล้ว")})
    return current


@transaction.atomic
def payment_record(
    *, assessment: Assessment, receipt_number: str, amount: Decimal, paid_on: datetime.date, acting_user
) -> tuple[Payment, bool]:
    """Record a payment against an issued assessment; returns (payment, created).

    Idempotent on the receipt number: the same receipt submitted again (twice by one officer, or by
    two officers at once) returns the payment already recorded, provided it is for the same
    assessment and amount; a receipt number used for something else is refused. The assessment row
    is locked while the payment is allocated, and the unique constraint settles any race between
    two transactions that both found no such receipt.
    """
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        raise ValidationError({"receipt_number": _("ต้องระบุเลขที่ใบเสร็จ")})
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": _("จำนวนเงินต้องมากกว่าศูนย์")})
    if amount != amount.quantize(SATANG):
        raise ValidationError({"amount": _("จำนวนเงินมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง (สตางค์)")})
    if paid_on > timezone.localdate():
        raise ValidationError(
            {"paid_on": _("วันที่ชำระ %(date)s ยังมาไม่ถึง โปรดตรวจปี พ.ศ./ค.ศ.") % {"date": thai_date(paid_on)}}
        )
    existing = _same_receipt(assessment, receipt_number, amount)
    if existing is not None:
        return existing, False
    current = _current_of(assessment)
    Assessment._base_manager.select_for_update().filter(pk=current.chain_id).first()  # serialise per tax bill
    existing = _same_receipt(assessment, receipt_number, amount)
    if existing is not None:
        return existing, False
    state = balance(current, on=paid_on)
    if not state["dues"]:
        raise ValidationError({"amount": _("การประเมินนี้ชำระครบแล้ว")})
    charge_for = _charges(current, chain_of(current))
    allocations, left = collection.allocate_payment(
        amount, [line["due"] for line in state["dues"]], lambda due: charge_for(due, paid_on)
    )
    if left > 0:
        raise ValidationError({"amount": _("ชำระเกินยอดค้าง %(due)s บาท") % {"due": format_baht(state["outstanding"])}})
    payment = Payment(
        municipality_id=current.municipality_id,
        assessment=current,
        receipt_number=receipt_number,
        paid_on=paid_on,
        amount=amount,
        principal=sum((a.principal for a in allocations), Decimal(0)),
        penalty=sum((a.penalty for a in allocations), Decimal(0)),
        surcharge=sum((a.surcharge for a in allocations), Decimal(0)),
        allocation=[
            {
                "instalment": a.number,
                "stage": a.charge.stage,
                "months_late": a.charge.months,
                "principal": format(a.principal, "f"),
                "penalty": format(a.penalty, "f"),
                "surcharge": format(a.surcharge, "f"),
            }
            for a in allocations
        ],
        recorded_by=acting_user,
    )
    payment._history_user = acting_user
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        existing = _same_receipt(assessment, receipt_number, amount)
        if existing is None:
            raise
        return existing, False
    _refresh([current])
    return payment, True


def _same_receipt(assessment: Assessment, receipt_number: str, amount: Decimal) -> Payment | None:
    existing = Payment._base_manager.filter(
        municipality_id=assessment.municipality_id, receipt_number=receipt_number
    ).first()
    if existing is None:
        return None
    if existing.assessment_id not in chain_of(assessment) or existing.amount != amount:
        raise ValidationError(
            {"receipt_number": _("ใบเสร็จเลขที่ %(number)s บันทึกไว้แล้วสำหรับรายการอื่น") % {"number": receipt_number}}
        )
    return existing


# Printing ----------------------------------------------------------------------------------------


def notice_print(*, notices, acting_user, request=None) -> bytes:
    """Render notices (one, or a zone's batch) to one PDF: the only way a notice is printed.

    Notices carry the taxpayer's name and address (personal data, PDPA): every print goes through
    here, with the person printing, and each notice printed is logged (who, when, which notice).
    """
    from taxes.pdf import render_notices

    notices = list(notices)
    if not notices:
        raise ValidationError({"notices": _("ไม่มีหนังสือแจ้งให้พิมพ์")})
    data = render_notices(notices)
    batch = _("พิมพ์พร้อมกัน %(n)s ฉบับ") % {"n": len(notices)} if len(notices) > 1 else ""
    for notice in notices:
        record_personal_data_access(
            user=acting_user, action=PersonalDataAction.PRINT_NOTICE, obj=notice, detail=batch, request=request
        )
    return data
