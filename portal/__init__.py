"""The people's-suggestion portal: application factory."""
from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from pathlib import Path

from flask import Flask

from portal.config import ConfigError, check_search_backend, load_config
from portal.database import engine_options

__all__ = ["create_app", "ConfigError"]


def create_app(test_config: dict | None = None) -> Flask:
    # PORTAL_INSTANCE_PATH moves the instance folder (database, index, secret key) elsewhere.
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None)
    app.config.update(load_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    check_search_backend(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                             app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("portal").setLevel(logging.INFO)

    from portal import caching, drafts, errors, ratelimits, templating
    from portal.extensions import babel, csrf, db, login_manager, migrate
    from portal.i18n import select_locale
    from portal.headers import init_security_headers
    from portal.inputs import IdConverter, refuse_nul_in_url

    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite, which has no ALTER COLUMN.
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    caching.init_app(app)
    drafts.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself

    @login_manager.user_loader
    def load_user(session_id: str):
        from portal.services.accounts import user_for_session_id

        return user_for_session_id(db.session, session_id)

    app.url_map.converters["id"] = IdConverter  # before the blueprints' rules are built
    app.before_request(refuse_nul_in_url)
    _register_blueprints(app)
    ratelimits.init_app(app)  # after the blueprints: it applies the limits their views are marked with
    _register_commands(app)
    errors.register(app)
    init_security_headers(app)
    templating.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Every package in portal/blueprints/ with a routes.py exporting `bp` is registered."""
    import portal.blueprints as blueprints

    for module in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        routes = importlib.import_module(f"portal.blueprints.{module.name}.routes")
        app.register_blueprint(routes.bp)


def _register_commands(app: Flask) -> None:
    """Every module in portal/commands/ exporting a click group `cli` becomes `flask <group>`."""
    import portal.commands as commands

    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        app.cli.add_command(importlib.import_module(f"portal.commands.{module.name}").cli)
