"""Render Django form fields with the U.S. Web Design System's classes."""

from __future__ import annotations

from django import forms, template

register = template.Library()

WIDGET_CLASSES = [
    (forms.CheckboxInput, "usa-checkbox__input"),
    # A group of radios or checkboxes (CheckboxSelectMultiple is a RadioSelect) renders as
    # native inputs inside their labels: USWDS's input classes would move the whole group,
    # labels and all, off the screen, since Django puts the class on the group's wrapper.
    (forms.RadioSelect, ""),
    (forms.Select, "usa-select"),
    (forms.Textarea, "usa-textarea"),
    (forms.FileInput, "usa-file-input"),
]


@register.simple_tag
def uswds_widget(field: forms.BoundField) -> str:
    css = next(
        (name for kind, name in WIDGET_CLASSES if isinstance(field.field.widget, kind)),
        "usa-input",
    )
    if field.errors and css:
        css += " usa-input--error"
    attrs = {"class": css} if css else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_helptext"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)
