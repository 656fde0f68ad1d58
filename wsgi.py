"""Entry point for gunicorn: `gunicorn -w 4 wsgi:app` (gunicorn.conf.py loads it once, before the workers fork)."""
from portal import create_app
from search_index import warm_up

app = create_app()
# jieba's dictionary and OpenCC's tables take about a second to load: pay it at start, not on
# the first visitor's search.
warm_up()
