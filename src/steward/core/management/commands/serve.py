"""`steward serve`: the web application under gunicorn, static files through WhiteNoise."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from steward.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Steward over HTTP (put a TLS-terminating reverse proxy in front in production)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, bind: str, workers: int, threads: int, **options) -> None:
        if settings.PRODUCTION and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError(
                "Static files are not collected: run `steward collectstatic --noinput`."
            )
        self.stdout.write(f"Serving {settings.SITE_NAME} on http://{bind}/")
        _Gunicorn(
            {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                "timeout": 60,
            }
        ).run()
