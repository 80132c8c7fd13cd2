//! `media`: the interface entity `Media` (`@key` on an interface) with `Book` and `Movie`.

use async_graphql::{
    EmptyMutation, EmptySubscription, ID, Interface, Object, Schema, SimpleObject,
};

use super::data::{self, MediaKind, MediaRow};
use crate::Subgraph;

pub(crate) fn subgraph() -> Subgraph {
    Subgraph::from_schema(
        "media",
        Schema::new(Query, EmptyMutation, EmptySubscription),
    )
}

/// An entity interface: reviews adds `likes` to it through `@interfaceObject`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID"), field(name = "title", ty = "&String"))]
enum Media {
    Book(Book),
    Movie(Movie),
}

#[derive(SimpleObject)]
struct Book {
    id: ID,
    title: String,
    pages: i32,
    author: Option<User>,
}

#[derive(SimpleObject)]
struct Movie {
    id: ID,
    title: String,
    duration_minutes: i32,
}

/// A reference only: `@key(fields: "id", resolvable: false)`.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
struct User {
    id: ID,
}

fn media(row: &MediaRow) -> Media {
    let (id, title) = (ID::from(row.id), row.title.to_owned());
    match row.kind {
        MediaKind::Book { pages, author } => Media::Book(Book {
            id,
            title,
            pages,
            author: Some(User {
                id: ID::from(author),
            }),
        }),
        MediaKind::Movie { duration_minutes } => Media::Movie(Movie {
            id,
            title,
            duration_minutes,
        }),
    }
}

struct Query;

#[Object]
impl Query {
    /// All media, in id order.
    async fn media(&self) -> Vec<Media> {
        data::MEDIA.iter().map(media).collect()
    }

    /// Resolves `{ __typename: "Media", id }` (sent on behalf of the `@interfaceObject`) to a concrete type.
    #[graphql(entity)]
    async fn find_media_by_id(&self, id: ID) -> Option<Media> {
        data::media(&id).map(media)
    }

    #[graphql(entity)]
    async fn find_book_by_id(&self, id: ID) -> Option<Book> {
        match data::media(&id).map(media) {
            Some(Media::Book(book)) => Some(book),
            _ => None,
        }
    }

    #[graphql(entity)]
    async fn find_movie_by_id(&self, id: ID) -> Option<Movie> {
        match data::media(&id).map(media) {
            Some(Media::Movie(movie)) => Some(movie),
            _ => None,
        }
    }
}
