"""REST resources: bom."""

from fastapi import APIRouter

router = APIRouter()
