"""The Atom feed of new projects and published findings, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from steward.agenda.selectors import public_projects
from steward.outputs.models import Finding

FEED_ITEMS = 50


@dataclass(frozen=True)
class FeedItem:
    """One entry: a project that started, or a finding that was published."""

    title: str
    description: str
    link: str
    published: datetime
    updated: datetime
    categories: list[str] = field(default_factory=list)


def _projects() -> list[FeedItem]:
    return [
        FeedItem(
            title=project.title,
            description=project.summary,
            link=reverse("portal:project", args=[project.pk]),
            published=project.created_at,
            updated=project.updated_at,
            categories=[question.policy_area for question in project.questions.all()],
        )
        for project in public_projects()[:FEED_ITEMS]
    ]


def _findings() -> list[FeedItem]:
    # Only published findings, ever: the status filter is the whole of the rule.
    published = (
        Finding.objects.filter(status=Finding.Status.PUBLISHED, published_at__isnull=False)
        .only("pk", "title", "summary", "published_at")
        .order_by("-published_at", "-pk")[:FEED_ITEMS]
    )
    return [
        FeedItem(
            title=f"Finding: {finding.title}",
            description=finding.summary,
            link=reverse("outputs:finding", args=[finding.pk]),
            published=finding.published_at,
            updated=finding.published_at,
            categories=["Finding"],
        )
        for finding in published
    ]


def feed_items() -> list[FeedItem]:
    """Projects and findings merged, newest first."""
    items = [*_projects(), *_findings()]
    items.sort(key=lambda item: item.published, reverse=True)
    return items[:FEED_ITEMS]


class NewProjectsFeed(Feed):
    feed_type = Atom1Feed
    subtitle = "New research projects and published findings of the state's education agency."

    def title(self) -> str:
        return f"{settings.SITE_NAME}: new projects and findings"

    def link(self) -> str:
        return reverse("portal:projects")

    def items(self) -> list[FeedItem]:
        return feed_items()

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_description(self, item: FeedItem) -> str:
        return item.description

    def item_link(self, item: FeedItem) -> str:
        return item.link

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.published

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.updated

    def item_categories(self, item: FeedItem) -> list[str]:
        return item.categories
