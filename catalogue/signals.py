"""Keep the catalogue's counts current: any change to a register layer marks its entries stale.

Single records changed through the ORM (services, the admin) are seen by `post_save`/`post_delete`;
bulk writers (dataio's import, the assessment run) send `municipalities.signals.rows_changed`. The
marking happens after the transaction commits, once per municipality and layer, so it never holds a
lock in the writer's transaction; the next read of the catalogue recounts.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalogue.sources import MODEL_SOURCES
from municipalities.signals import rows_changed


def _pending() -> dict:
    """This thread's changes waiting for the commit, kept on its own database connection (the
    `connection` proxy is shared by every thread: an attribute in its `__dict__` would be too)."""
    wrapper = transaction.get_connection()
    if not hasattr(wrapper, "catalogue_pending"):
        wrapper.catalogue_pending = {}
    return wrapper.catalogue_pending


def _flush():
    from catalogue.services import mark_changed

    wrapper = transaction.get_connection()
    pending, wrapper.catalogue_pending = _pending(), {}
    for municipality_id, sources in pending.items():
        mark_changed(municipality_id, sources)


def changed(municipality_id: int, sources) -> None:
    if not transaction.get_connection().in_atomic_block:
        from catalogue.services import mark_changed

        mark_changed(municipality_id, sources)
        return
    # Every change queues the flush; the first one to run after the commit marks all pending changes
    # (one UPDATE per municipality) and the others find nothing left. Changes of a rolled-back
    # transaction may stay pending until the next commit: that only recounts an entry once more.
    _pending().setdefault(municipality_id, set()).update(sources)
    transaction.on_commit(_flush)


def _on_record(sender, instance, **kwargs):
    changed(instance.municipality_id, MODEL_SOURCES[sender._meta.label])


def _on_rows(sender, municipality_id, **kwargs):
    sources = MODEL_SOURCES.get(sender._meta.label)
    if sources:
        changed(municipality_id, sources)


def _on_municipality(sender, instance, created, **kwargs):
    """A new municipality starts with a catalogue of its register layers (so the portal lists them)."""
    if created:
        from catalogue.services import catalogue_sync

        catalogue_sync(instance)


def connect() -> None:
    post_save.connect(
        _on_municipality, sender=apps.get_model("municipalities.Municipality"), dispatch_uid="catalogue-new"
    )
    for label in MODEL_SOURCES:
        model = apps.get_model(label)
        post_save.connect(_on_record, sender=model, dispatch_uid=f"catalogue-save-{label}")
        post_delete.connect(_on_record, sender=model, dispatch_uid=f"catalogue-delete-{label}")
    rows_changed.connect(_on_rows, dispatch_uid="catalogue-rows")
