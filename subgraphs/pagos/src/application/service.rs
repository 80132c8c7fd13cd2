//! The application service of the `pagos` context.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainError, DomainResult, Page, PageRequest};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::{
    Agregaciones, Comision, FiltroComisiones, FiltroPagos, FiltroReporte, Pago, PagosRepository,
    PasarelaDePagos, ReportePagos, ResultadoSolicitud, Revision, SolicitudPago, VersionReporte,
    elegir_moneda, exigir_pagable,
};

/// The application service of the `pagos` context.
#[derive(Clone)]
pub struct PagosService {
    repo: Arc<dyn PagosRepository>,
    pasarela: Arc<dyn PasarelaDePagos>,
    despertar: Arc<Notify>,
    version_por_defecto: VersionReporte,
}

impl PagosService {
    /// A service over a repository and a payment gateway. `despertar` is signalled after
    /// every accepted payout so the worker of this process starts at once.
    pub fn new(
        repo: Arc<dyn PagosRepository>,
        pasarela: Arc<dyn PasarelaDePagos>,
        despertar: Arc<Notify>,
        version_por_defecto: VersionReporte,
    ) -> Self {
        Self {
            repo,
            pasarela,
            despertar,
            version_por_defecto,
        }
    }

    /// The repository (for the worker and the consumers).
    pub fn repo(&self) -> &Arc<dyn PagosRepository> {
        &self.repo
    }

    /// Requests a payout: validates, then creates it in PENDIENTE with the partner's
    /// payable commissions, or returns the payout its key or cycle already has. A key
    /// reused with another request is `CONFLICT`. Nothing is written on any error.
    pub async fn pagar(
        &self,
        s: SolicitudPago,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Pago> {
        // A replay returns the payout even if the partner changed since.
        if let Some(existente) = self.existente(&s).await? {
            return self.repeticion(&s, existente);
        }
        match self.solicitar(&s, actor, ahora).await {
            Ok(ResultadoSolicitud::Nuevo(pago)) => {
                self.despertar.notify_one();
                Ok(*pago)
            }
            Ok(ResultadoSolicitud::Existente(pago)) => self.repeticion(&s, *pago),
            // A concurrent duplicate may have taken the commissions this request was
            // validated against: its payout answers this request too.
            Err(error) => match self.existente(&s).await? {
                Some(existente) => self.repeticion(&s, existente),
                None => Err(error),
            },
        }
    }

    async fn existente(&self, s: &SolicitudPago) -> DomainResult<Option<Pago>> {
        self.repo
            .pago_existente(s.clave.as_str(), s.afiliado_id, s.ciclo.as_str())
            .await
    }

    async fn solicitar(
        &self,
        s: &SolicitudPago,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<ResultadoSolicitud> {
        let afiliado = self
            .repo
            .tarifa_afiliado(s.afiliado_id)
            .await?
            .ok_or_else(|| DomainError::not_found("Afiliado", s.afiliado_id))?;
        exigir_pagable(&afiliado)?;
        let monedas = self.repo.monedas_pagables(s.afiliado_id).await?;
        let moneda = elegir_moneda(s.moneda, &monedas)?;
        if !self.pasarela.admite(moneda) {
            return Err(DomainError::invalid(
                "moneda",
                format!("La pasarela de pagos no admite pagos en {moneda}"),
            ));
        }
        let pago = Pago::solicitar(s, moneda, ahora);
        // One transaction: insert, reserve, accept (the aggregate's rules), save + events.
        let mut unidad = self.repo.iniciar_solicitud().await?;
        if !unidad.insertar(&pago).await? {
            unidad.deshacer().await?;
            let existente = self
                .existente(s)
                .await?
                .ok_or_else(|| DomainError::internal("conflicting payout vanished"))?;
            return Ok(ResultadoSolicitud::Existente(Box::new(existente)));
        }
        let reservadas = unidad.reservar_comisiones(&pago).await?;
        let cambio = match pago.aceptar(&reservadas, &afiliado.minimo_pago, actor, ahora) {
            Ok(cambio) => cambio,
            Err(error) => {
                unidad.deshacer().await?;
                return Err(error);
            }
        };
        unidad.guardar(&cambio).await?;
        unidad.confirmar().await?;
        Ok(ResultadoSolicitud::Nuevo(Box::new(cambio.pago)))
    }

    /// The payout of this request's key, or of its cycle under another key (returned as
    /// is: one payout per partner and cycle). A key reused with other data is `CONFLICT`.
    fn repeticion(&self, s: &SolicitudPago, existente: Pago) -> DomainResult<Pago> {
        if existente.clave != s.clave || existente.solicitud == s.canonica() {
            Ok(existente)
        } else {
            Err(DomainError::Conflict(format!(
                "La clave de idempotencia '{}' ya se usó para otro pago ({}) con datos distintos",
                s.clave.as_str(),
                existente.id
            )))
        }
    }

    /// CALCULADA → APROBADA by `actor` with its review, with `ComisionAprobada` (the
    /// campaign's expense grows) and a line in the commission's audit trail.
    pub async fn aprobar_comision(
        &self,
        id: Uuid,
        revision: Revision,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Comision> {
        let comision = self.obtener_comision(id).await?;
        let cambio = comision.aprobar_revisada(revision, actor, ahora)?;
        self.repo.guardar_comision(&cambio).await?;
        Ok(cambio.comision)
    }

    /// PENDIENTE or CALCULADA → RECHAZADA by `actor` with a reason and its review, with
    /// `ComisionRechazada` and a line in the commission's audit trail.
    pub async fn rechazar_comision(
        &self,
        id: Uuid,
        motivo: &str,
        revision: Revision,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Comision> {
        let comision = self.obtener_comision(id).await?;
        let cambio = comision.rechazar_revisada(motivo, revision, actor, ahora)?;
        self.repo.guardar_comision(&cambio).await?;
        Ok(cambio.comision)
    }

    /// The commission with this id, or `NOT_FOUND`.
    pub async fn obtener_comision(&self, id: Uuid) -> DomainResult<Comision> {
        self.repo
            .comisiones_por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Comisión", id))
    }

    /// The payout with this id, or `NOT_FOUND`.
    pub async fn obtener_pago(&self, id: Uuid) -> DomainResult<Pago> {
        self.repo
            .pagos_por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Pago", id))
    }

    /// One page of payouts and the aggregates of the whole filter.
    pub async fn listar_pagos(
        &self,
        filtro: &FiltroPagos,
        pagina: PageRequest,
    ) -> DomainResult<(Page<Pago>, Agregaciones)> {
        if let (Some(min), Some(max)) = (filtro.monto_min, filtro.monto_max)
            && min > max
        {
            return Err(DomainError::invalid(
                "filtro.montoMax",
                "montoMax debe ser mayor o igual que montoMin",
            ));
        }
        // Bounds are amounts a client gives: the same limits as every other one.
        for (campo, monto) in [
            ("filtro.montoMin", filtro.monto_min),
            ("filtro.montoMax", filtro.monto_max),
        ] {
            if let Some(monto) = monto {
                subgraph_kit::money::validar_magnitud(monto)
                    .map_err(|e| DomainError::invalid(campo, e.to_string()))?;
            }
        }
        if let (Some(desde), Some(hasta)) = (filtro.desde, filtro.hasta)
            && desde > hasta
        {
            return Err(DomainError::invalid(
                "filtro.hasta",
                "La fecha 'hasta' debe ser posterior a 'desde'",
            ));
        }
        self.repo.listar_pagos(filtro, pagina).await
    }

    /// One page of commissions.
    pub async fn listar_comisiones(
        &self,
        filtro: &FiltroComisiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Comision>> {
        self.repo.listar_comisiones(filtro, pagina).await
    }

    /// The payout report in the active version.
    pub async fn reporte(&self, filtro: FiltroReporte) -> DomainResult<ReportePagos> {
        let filtro = filtro.validar()?;
        let version = self.version_reporte().await?;
        let filas = self.repo.filas_reporte(&filtro).await?;
        let por_campania = match version {
            VersionReporte::V1 => Vec::new(),
            VersionReporte::V2 => self.repo.filas_por_campania(&filtro).await?,
        };
        ReportePagos::construir(version, filtro, &filas, &por_campania)
    }

    /// The active report version (stored, else the configured default).
    pub async fn version_reporte(&self) -> DomainResult<VersionReporte> {
        Ok(self
            .repo
            .version_reporte()
            .await?
            .unwrap_or(self.version_por_defecto))
    }

    /// Switches the active report version for every replica, without a restart.
    pub async fn cambiar_version_reporte(
        &self,
        version: VersionReporte,
    ) -> DomainResult<VersionReporte> {
        self.repo.fijar_version_reporte(version).await?;
        Ok(version)
    }

    /// Many payouts by id.
    pub async fn pagos_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Pago>> {
        self.repo.pagos_por_ids(ids).await
    }
}
