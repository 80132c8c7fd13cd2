# Builds the platform's one binary (every subgraph, the gateway and its console) and runs
# it on a slim Debian. The build needs npm: gateway/build.rs fetches GraphiQL from the npm
# registry and embeds it.
FROM rust:1.94-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin alpes-partners

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/alpes-partners /usr/local/bin/alpes-partners
COPY schema.graphql ./schema.graphql
COPY deploy/gateway.toml ./deploy/gateway.toml
ENTRYPOINT ["alpes-partners"]
