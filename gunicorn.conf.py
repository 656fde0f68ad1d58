"""gunicorn settings for the portal (read from the working directory: `gunicorn -w 4 wsgi:app`).

The portal is loaded once, in the master, before the workers are forked (`preload_app`): the
libraries (about 75 MB: SQLAlchemy, Alembic, Babel, zxcvbn's word lists ...) and the tokenizer's
dictionaries (about 65 MB: jieba, OpenCC, loaded by wsgi.warm_up) are then shared by every worker
instead of copied into each. `gc.freeze()` keeps them shared: a garbage collection in a worker
would otherwise write to every old object's header and copy the page it lives on.

What must not be shared is reopened in each worker: the database pool (a connection is one
socket; two processes speaking on it corrupt both). Redis clients reconnect by themselves after
a fork, and the job and index-sync threads start per process (portal.jobs).
"""
import gc

preload_app = True


def when_ready(server):  # in the master, after the app was loaded, before the first fork
    gc.freeze()


def post_fork(server, worker):
    app = server.app.wsgi()  # the app loaded in the master (wsgi:app, or another app given on the command line)
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    from portal.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            # close=False: leave the parent's sockets to the parent; only forget them here.
            engine.dispose(close=False)
