//! The relevance score of a search, built with sea-query so it runs on SQLite and PostgreSQL.

use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, LikeExpr, SimpleExpr};

use crate::search::{Busqueda, escape_like};

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
    Expr::case(Expr::col(Alias::new(nombre_col)).eq(texto), 100)
        .case(like(nombre_col, format!("{escaped}%")), 80)
        .case(like(nombre_col, format!("% {escaped}%")), 60)
        .case(like(nombre_col, format!("%{escaped}%")), 40)
        .case(like(email_col, format!("%{escaped}%")), 20)
        .finally(0)
        .into()
}

/// Row filter matching anything the score ranks above zero.
pub fn matches_expr(nombre_col: &str, email_col: &str, busqueda: &Busqueda) -> Cond {
    let pattern = format!("%{}%", escape_like(busqueda.texto()));
    Cond::any()
        .add(like(nombre_col, pattern.clone()))
        .add(like(email_col, pattern))
}

/// A score of `relevance_expr` as a fraction 0–1.
pub fn as_fraction(score: i32) -> f64 {
    f64::from(score.clamp(0, 100)) / 100.0
}
