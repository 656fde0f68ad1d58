"""Extensions are created here unbound and attached to the app in the factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from portal.models.base import db

__all__ = ["db", "migrate", "login_manager", "csrf", "babel", "talisman"]
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()
