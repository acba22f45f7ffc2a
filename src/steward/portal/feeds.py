"""The Atom feed of new projects (findings join it once output review publishes them)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from steward.agenda.models import Project
from steward.agenda.selectors import public_projects

FEED_ITEMS = 50


class NewProjectsFeed(Feed):
    feed_type = Atom1Feed
    subtitle = "New research projects with the state's education agency."

    def title(self) -> str:
        return f"{settings.SITE_NAME}: new projects and findings"

    def link(self) -> str:
        return reverse("portal:projects")

    def items(self) -> list[Project]:
        return list(public_projects()[:FEED_ITEMS])

    def item_title(self, item: Project) -> str:
        return item.title

    def item_description(self, item: Project) -> str:
        return item.summary

    def item_link(self, item: Project) -> str:
        return reverse("portal:project", args=[item.pk])

    def item_pubdate(self, item: Project) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Project) -> datetime:
        return item.updated_at

    def item_categories(self, item: Project) -> list[str]:
        return [question.policy_area for question in item.questions.all()]
