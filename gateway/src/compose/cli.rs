//! `gateway compose`: subgraphs from the command line → a supergraph file.

use std::path::PathBuf;

use anyhow::Context;

use super::{SubgraphSdl, compose, fetch_sdl};

/// Compose a supergraph from running subgraphs or SDL files.
///
/// Each `--subgraph` is `NAME=URL` (the SDL is fetched from the running subgraph with
/// `{ _service { sdl } }`) or `NAME=URL,file=PATH` (the SDL is read from PATH; URL is only
/// the routing URL written into the supergraph). Example:
///
///   gateway compose --subgraph accounts=http://127.0.0.1:4001/graphql \
///                   --subgraph reviews=http://127.0.0.1:4002/graphql,file=reviews.graphql \
///                   --output supergraph.graphql
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ComposeArgs {
    /// A subgraph: NAME=URL (fetch its SDL) or NAME=URL,file=PATH (read it); repeat per subgraph.
    #[arg(long = "subgraph", value_name = "NAME=URL[,file=PATH]", required = true,
          value_parser = parse_spec)]
    subgraphs: Vec<SubgraphSpec>,
    /// Where to write the supergraph SDL (standard output if omitted).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The gateway's shared credential, for subgraphs that answer only the gateway.
    #[arg(long, env = "GATEWAY_SUBGRAPH_SECRET", hide_env_values = true)]
    subgraph_secret: Option<String>,
}

/// One `--subgraph` value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SubgraphSpec {
    name: String,
    url: String,
    file: Option<PathBuf>,
}

fn parse_spec(value: &str) -> Result<SubgraphSpec, String> {
    let (name, rest) = value
        .split_once('=')
        .ok_or_else(|| format!("`{value}` is not NAME=URL[,file=PATH]"))?;
    let (url, file) = match rest.split_once(",file=") {
        Some((url, file)) => (url, Some(PathBuf::from(file))),
        None => (rest, None),
    };
    if name.is_empty() || url.is_empty() {
        return Err(format!("`{value}` needs a name and a URL"));
    }
    Ok(SubgraphSpec {
        name: name.to_owned(),
        url: url.to_owned(),
        file,
    })
}

/// Runs `gateway compose`.
pub async fn run(args: ComposeArgs) -> anyhow::Result<()> {
    let client = super::sdl_client(args.subgraph_secret.as_deref());
    let inputs = futures::future::try_join_all(args.subgraphs.into_iter().map(|spec| {
        let client = client.clone();
        async move {
            let sdl = match &spec.file {
                Some(file) => std::fs::read_to_string(file).with_context(|| {
                    format!("subgraph `{}`: cannot read {}", spec.name, file.display())
                })?,
                None => fetch_sdl(&client, &spec.url)
                    .await
                    .with_context(|| format!("subgraph `{}`", spec.name))?,
            };
            anyhow::Ok(SubgraphSdl {
                name: spec.name,
                url: spec.url,
                sdl,
            })
        }
    }))
    .await?;
    let supergraph = compose(&inputs)?;
    match &args.output {
        Some(path) => std::fs::write(path, &supergraph)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{supergraph}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subgraph_specs_take_a_url_and_an_optional_file() {
        assert_eq!(
            parse_spec("a=http://h:1/graphql"),
            Ok(SubgraphSpec {
                name: "a".into(),
                url: "http://h:1/graphql".into(),
                file: None
            })
        );
        assert_eq!(
            parse_spec("a=http://h:1/graphql,file=a.graphql").map(|s| s.file),
            Ok(Some(PathBuf::from("a.graphql")))
        );
        assert!(parse_spec("http://h:1/graphql").is_err());
    }
}
