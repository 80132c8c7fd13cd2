//! The relevance score of a search, built with sea-query so it runs on SQLite and PostgreSQL.

use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Select,
    sea_query::{Alias, Cond, Expr, ExprTrait, LikeExpr, Order, SimpleExpr},
};

use crate::{
    error::DomainError,
    search::{Busqueda, escape_like},
};

fn like(column: &str, pattern: String) -> SimpleExpr {
    Expr::col(Alias::new(column)).like(LikeExpr::new(pattern).escape('\\'))
}

/// Score 0–100 of a row for `busqueda`: exact normalised name 100, name prefix 80, a word
/// of the name starting with the query 60, name containing it 40, e-mail containing it 20.
///
/// `nombre_col` must hold the `search::normalize`d name and `email_col` a lower-case address.
pub fn relevance_expr(nombre_col: &str, email_col: &str, busqueda: &Busqueda) -> SimpleExpr {
    let texto = busqueda.texto();
    let escaped = escape_like(texto);
    let por_nombre = Expr::case(Expr::col(Alias::new(nombre_col)).eq(texto), 100)
        .case(like(nombre_col, format!("{escaped}%")), 80)
        .case(like(nombre_col, format!("% {escaped}%")), 60)
        .case(like(nombre_col, format!("%{escaped}%")), 40);
    if busqueda.por_email() {
        por_nombre
            .case(like(email_col, format!("%{escaped}%")), 20)
            .finally(0)
            .into()
    } else {
        por_nombre.finally(0).into()
    }
}

/// Row filter matching anything the score ranks above zero.
pub fn matches_expr(nombre_col: &str, email_col: &str, busqueda: &Busqueda) -> Cond {
    let pattern = format!("%{}%", escape_like(busqueda.texto()));
    let por_nombre = Cond::any().add(like(nombre_col, pattern.clone()));
    if busqueda.por_email() {
        por_nombre.add(like(email_col, pattern))
    } else {
        por_nombre
    }
}

/// Turns `query` into a ranked search: adds the `relevancia` column (see
/// [`relevance_expr`]), keeps matching rows, orders best first (then by name and id, so
/// ties are stable) and applies the limit. Read the rows with a model that has a
/// `relevancia: i32` field.
pub fn ranked_search<E: EntityTrait>(
    query: Select<E>,
    busqueda: &Busqueda,
    nombre: E::Column,
    email: E::Column,
    id: E::Column,
) -> Select<E> {
    let (nombre_col, email_col) = (nombre.as_str(), email.as_str());
    query
        .column_as(
            relevance_expr(nombre_col, email_col, busqueda),
            "relevancia",
        )
        .filter(matches_expr(nombre_col, email_col, busqueda))
        .order_by_desc(Expr::cust("relevancia"))
        .order_by(nombre, Order::Asc)
        .order_by(id, Order::Asc)
        .limit(busqueda.limite())
}

/// A row of a ranked search: the entity's columns and its `relevancia` (0–100).
struct Ranked<M> {
    model: M,
    relevancia: i32,
}

impl<M: FromQueryResult> FromQueryResult for Ranked<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: M::from_query_result(res, pre)?,
            relevancia: res.try_get(pre, "relevancia")?,
        })
    }
}

/// Runs [`ranked_search`] over `query`: each matching row with its relevance as a
/// fraction ([`as_fraction`]), best first.
pub async fn ranked_rows<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    busqueda: &Busqueda,
    nombre: E::Column,
    email: E::Column,
    id: E::Column,
) -> Result<Vec<(E::Model, f64)>, DomainError> {
    let rows = ranked_search(query, busqueda, nombre, email, id)
        .into_model::<Ranked<E::Model>>()
        .all(conn)
        .await
        .map_err(super::internal)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.model, as_fraction(r.relevancia)))
        .collect())
}

/// The rows of `E` whose `columns` match `busqueda` as codes ([`code_relevance`]), each with
/// its score 0–100, best first and then newest (`newest` descending), at most
/// `busqueda.limite()`.
pub async fn code_ranked_rows<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    columns: &[E::Column],
    newest: E::Column,
    busqueda: &Busqueda,
) -> Result<Vec<(E::Model, i32)>, DomainError> {
    let columns: Vec<Expr> = columns
        .iter()
        .map(|c| Expr::col((E::default(), *c)))
        .collect();
    let (relevancia, coincide) = code_relevance(&columns, busqueda);
    let rows = E::find()
        .column_as(relevancia, "relevancia")
        .filter(coincide)
        .order_by_desc(Expr::cust("relevancia"))
        .order_by(newest, Order::Desc)
        .limit(busqueda.limite())
        .into_model::<Ranked<E::Model>>()
        .all(conn)
        .await
        .map_err(super::internal)?;
    Ok(rows.into_iter().map(|r| (r.model, r.relevancia)).collect())
}

/// For codes and references (cycles, keys, external ids): the score 0–100 of a row for
/// `busqueda` over `columns`, case ignored — one equal 100, one starting with it 80, one
/// containing it 40 — and the filter keeping rows that score.
pub fn code_relevance(columns: &[Expr], busqueda: &Busqueda) -> (SimpleExpr, Cond) {
    use sea_orm::sea_query::Func;
    let texto = busqueda.texto();
    let escaped = escape_like(texto);
    let lower = |c: &Expr| Expr::expr(Func::lower(c.clone()));
    let any = |pattern: String| {
        columns.iter().fold(Cond::any(), |cond, c| {
            cond.add(lower(c).like(LikeExpr::new(pattern.clone()).escape('\\')))
        })
    };
    let exact = columns
        .iter()
        .fold(Cond::any(), |cond, c| cond.add(lower(c).eq(texto)));
    let score = Expr::case(exact, 100)
        .case(any(format!("{escaped}%")), 80)
        .case(any(format!("%{escaped}%")), 40)
        .finally(0)
        .into();
    (score, any(format!("%{escaped}%")))
}

/// A score of `relevance_expr` as a fraction 0–1.
pub fn as_fraction(score: i32) -> f64 {
    f64::from(score.clamp(0, 100)) / 100.0
}
