"""The schema has one head, and the migrated database matches the models (no drift)."""
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from studio.platform.cli import ROOT, upgrade_database


def test_migrations_have_a_single_head():
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_migrated_schema_matches_the_models(tmp_path):
    import studio.model_registry  # noqa: F401
    from studio.platform.db import Base

    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Index/type nuances SQLite cannot express are not drift; missing tables or columns are.
    structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert not structural, structural
