"""Shared route dependencies as `Annotated` aliases.

Routes open their own transaction (`with db.begin() as s:`) so a write is committed before the
response that acknowledges it is sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from deepbook.content import Course
from deepbook.settings import Settings
from deepbook.store import Learner, get_or_create_learner


def _settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def _course(request: Request) -> Course:
    c: Course = request.app.state.course
    return c


def _templates(request: Request) -> Jinja2Templates:
    t: Jinja2Templates = request.app.state.templates
    return t


def _db(request: Request) -> sessionmaker[Session]:
    sm: sessionmaker[Session] = request.app.state.sessionmaker
    return sm


def learner(s: Session, request: Request) -> Learner:
    """The learner this request speaks for (see Settings.learner_mode)."""
    return get_or_create_learner(s, request.state.learner_key)


SettingsDep = Annotated[Settings, Depends(_settings)]
CourseDep = Annotated[Course, Depends(_course)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
DbDep = Annotated[sessionmaker[Session], Depends(_db)]
