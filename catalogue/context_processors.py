from catalogue.selectors import profile_for_request


def branding(request):
    """The municipality's logo, colours and name for base.html (None outside a municipality)."""
    return {"branding": profile_for_request(request)}
