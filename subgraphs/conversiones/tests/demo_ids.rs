//! The demo conversions point at the `afiliados` demo partners.

use afiliados::Afiliados;
use anyhow::Result;
use serde_json::json;
use subgraph_kit::subgraph::Subgraph;
use testkit::{Backend, TestSubgraph};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_partner_ids_match_the_afiliados_demo() -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, Backend::Sqlite).await?;
    Afiliados.seed_demo(&sg.db.db).await?;
    let expected = conversiones::demo::afiliados_demo();
    for id in &expected {
        let body = sg
            .gql(
                "query($id: ID!) { afiliado(id: $id) { estado } }",
                json!({ "id": id }),
            )
            .await?;
        assert_eq!(
            body["data"]["afiliado"]["estado"]
                .as_str()
                .map(|e| e != "ELIMINADO"),
            Some(true),
            "{id}: {body}"
        );
    }
    assert_eq!(expected.len(), 190);
    sg.stop().await
}
