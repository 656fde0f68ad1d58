"""The yardstick for bench/pages.py: a Flask hello-world served with the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.post("/post")
def post():
    return "ok"
