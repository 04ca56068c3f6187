"""REST resources: equipment."""

from fastapi import APIRouter

router = APIRouter()
