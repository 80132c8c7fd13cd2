//! The application service of the `pagos` context.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainError, DomainResult, Page, PageRequest};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::{
    Agregaciones, Comision, CrearComisionManual, EstadoAfiliado, FiltroComisiones, FiltroPagos,
    FiltroReporte, Pago, PagosRepository, PasarelaDePagos, ReportePagos, ResultadoSolicitud,
    Revision, SolicitudPago, VersionReporte, elegir_moneda, exigir_pagable,
};

/// The commission a conversion already has, for a request to create one by hand: the
/// same request's commission (a replay), else `CONFLICT`.
fn repeticion_manual(s: &CrearComisionManual, existente: Comision) -> DomainResult<Comision> {
    if existente.solicitud_manual().as_deref() == Some(s.canonica().as_str()) {
        return Ok(existente);
    }
    Err(DomainError::Conflict(format!(
        "La conversión {} ya tiene una comisión ({})",
        s.conversion_id, existente.id
    )))
}

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
        s.exigir_programacion(ahora)?;
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
        let reversiones = unidad.reservar_reversiones(&pago).await?;
        let cambio = match pago.aceptar(
            &reservadas,
            &reversiones,
            &afiliado.minimo_pago,
            actor,
            ahora,
        ) {
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

    /// Creates a commission by hand (the seeds' `POST /comisiones`), calculated at once
    /// with its own calculation. Its partner (not deleted) and campaign must be known
    /// here. The same request again returns the same commission; another commission for
    /// the conversion is `CONFLICT`. Nothing is written on any error.
    pub async fn crear_comision(
        &self,
        s: CrearComisionManual,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Comision> {
        if let Some(existente) = self.comision_de_conversion(s.conversion_id).await? {
            return repeticion_manual(&s, existente);
        }
        let afiliado = self
            .repo
            .tarifa_afiliado(s.afiliado_id)
            .await?
            .ok_or_else(|| DomainError::invalid("afiliadoId", "Afiliado desconocido"))?;
        if afiliado.estado == EstadoAfiliado::Eliminado {
            return Err(DomainError::invalid(
                "afiliadoId",
                "El afiliado está ELIMINADO: no admite comisiones nuevas",
            ));
        }
        let campania = self
            .repo
            .tarifa_campania(s.campania_id)
            .await?
            .ok_or_else(|| DomainError::invalid("campaniaId", "Campaña desconocida"))?;
        let cambio = Comision::crear_manual(&s, Some(campania.cliente_id), actor, ahora)?;
        if self.repo.crear_comision(&cambio).await? {
            return Ok(cambio.comision);
        }
        // A concurrent request, or a ConversionValidada, created it first.
        let existente = self
            .comision_de_conversion(s.conversion_id)
            .await?
            .ok_or_else(|| DomainError::internal("conflicting commission vanished"))?;
        repeticion_manual(&s, existente)
    }

    async fn comision_de_conversion(&self, conversion_id: Uuid) -> DomainResult<Option<Comision>> {
        Ok(self
            .repo
            .comisiones_por_conversion(&[conversion_id])
            .await?
            .remove(&conversion_id))
    }

    /// Calculates a commission on request (the seeds' `/calcular`): a PENDIENTE one now, a
    /// CALCULADA one again only with `forzar` (from the current rates, or its own
    /// calculation if made by hand). Returns it and whether anything was calculated.
    pub async fn calcular_comision(
        &self,
        id: Uuid,
        forzar: bool,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<(Comision, bool)> {
        let comision = self.obtener_comision(id).await?;
        let tarifas = if comision.calculo_manual.is_none() {
            let afiliado = self.repo.tarifa_afiliado(comision.afiliado_id).await?;
            let campania = self.repo.tarifa_campania(comision.campania_id).await?;
            afiliado.zip(campania)
        } else {
            None
        };
        let posicion = match &tarifas {
            Some((_, campania)) if campania.objetivo_conversiones.is_some() => {
                self.repo.posicion_en_campania(&comision).await?
            }
            _ => 0,
        };
        let cambio = comision.clone().calcular_a_pedido(
            tarifas.as_ref().map(|(a, c)| (a, c)),
            posicion,
            forzar,
            actor,
            ahora,
        )?;
        match cambio {
            None => Ok((comision, false)),
            Some(cambio) => {
                self.repo.guardar_comision(&cambio).await?;
                Ok((cambio.comision, true))
            }
        }
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
