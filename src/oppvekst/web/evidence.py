"""Evidence base pages and API (felles kunnskapsbase)."""

from fastapi import APIRouter

router = APIRouter()
