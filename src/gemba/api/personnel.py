"""REST resources: personnel."""

from fastapi import APIRouter

router = APIRouter()
