"""REST resources: routing."""

from fastapi import APIRouter

router = APIRouter()
