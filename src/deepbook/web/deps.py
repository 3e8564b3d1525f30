"""Shared route dependencies as `Annotated` aliases.

Routes open their own transaction so a write is committed before the response that acknowledges
it is sent: `with db.begin() as s:` for a route that writes, `with db.read() as s:` for one that
only reads (on SQLite it neither waits for nor blocks writers). `learner(s, request)` is the
learner the request speaks for; it is stored by its first write, so reads never create rows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from deepbook.content import Course
from deepbook.settings import Settings
from deepbook.store import Learner, Store, find_learner


def _settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def _course(request: Request) -> Course:
    c: Course = request.app.state.course
    return c


def _templates(request: Request) -> Jinja2Templates:
    t: Jinja2Templates = request.app.state.templates
    return t


def _db(request: Request) -> Store:
    sm: Store = request.app.state.sessionmaker
    return sm


def learner(s: Session, request: Request) -> Learner:
    """The learner this request speaks for: stored, or unsaved (empty progress) until it writes."""
    return find_learner(s, request.state.learner_key)


SettingsDep = Annotated[Settings, Depends(_settings)]
CourseDep = Annotated[Course, Depends(_course)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
DbDep = Annotated[Store, Depends(_db)]
