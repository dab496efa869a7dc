"""Configuration: the knowledge base (YAML + reference data) and the settings (env vars)."""
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
KNOWLEDGE_DIR = CONFIG_DIR / "knowledge"
DATA_DIR = CONFIG_DIR / "data"
