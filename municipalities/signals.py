from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from municipalities.selectors import SESSION_KEY, memberships_of


@receiver(user_logged_in)
def choose_first_municipality(sender, request, user, **kwargs):
    if SESSION_KEY not in request.session:
        first = memberships_of(user).first()
        if first:
            request.session[SESSION_KEY] = first.municipality_id


# Sent by writers that bypass `post_save` (COPY, INSERT … SELECT: imports, assessment runs) after they
# change many rows: `sender` is the model whose rows changed, `municipality_id` the municipality's.
rows_changed = Signal()
