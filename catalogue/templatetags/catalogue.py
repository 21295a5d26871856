from pathlib import Path

from django import template

register = template.Library()


@register.filter
def file_uri(path: str) -> str:
    """A stored file's path as a file:// URI, for WeasyPrint (documents are rendered on the server)."""
    return Path(path).as_uri()
