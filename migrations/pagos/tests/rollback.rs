//! `down()` undoes everything `up()` created, event tables included.

use testkit::{Backend, on_both_backends};

async fn rolling_back_every_migration_leaves_no_table(backend: Backend) -> anyhow::Result<()> {
    testkit::rollback_leaves_no_table::<pagos_migration::Migrator>(backend).await
}

on_both_backends!(rolling_back_every_migration_leaves_no_table);
