use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, SubsecRound, Utc};
use subgraph_kit::{
    DomainError, DomainResult, Page, PageRequest,
    events::{DomainEvent, EventEnvelope},
};
use uuid::Uuid;

use crate::domain::{
    Canal, ClaveApi, ClaveApiEmitida, Conversion, ConversionRechazada, ConversionRegistrada,
    ConversionRepository, ConversionValidada, DecisionLimite, Dimension, EventoTracking,
    FiltroConversiones, FiltroPorEntidad, LimitadorTasa, Metricas, RegistrarConversion,
    RegistrarEvento, Registro, Ventana,
};

/// A review applied right after registration (demo data).
#[derive(Clone, Debug)]
pub enum Revision {
    /// Validate it.
    Validar,
    /// Reject it with this reason.
    Rechazar(String),
}

/// The application service of the `conversiones` context.
#[derive(Clone)]
pub struct ConversionService {
    repo: Arc<dyn ConversionRepository>,
    limitador: Arc<dyn LimitadorTasa>,
}

fn envelope<E: DomainEvent>(event: &E, ahora: DateTime<Utc>) -> DomainResult<EventEnvelope> {
    EventEnvelope::wrap(event, ahora).map_err(DomainError::internal)
}

impl ConversionService {
    /// A service over a repository and the collector's rate limiter.
    pub fn new(repo: Arc<dyn ConversionRepository>, limitador: Arc<dyn LimitadorTasa>) -> Self {
        Self { repo, limitador }
    }

    async fn exigir_referencias(&self, afiliado_id: Uuid, campania_id: Uuid) -> DomainResult<()> {
        let (afiliado, campania) = self
            .repo
            .referencias_aceptables(afiliado_id, campania_id)
            .await?;
        if !afiliado {
            return Err(DomainError::invalid(
                "afiliadoId",
                format!("Afiliado desconocido o eliminado: {afiliado_id}"),
            ));
        }
        if !campania {
            return Err(DomainError::invalid(
                "campaniaId",
                format!("Campaña desconocida: {campania_id}"),
            ));
        }
        Ok(())
    }

    /// Issues a new collector key for a partner (known to this context), replacing its
    /// previous key, which stops working at once. Returns the key: it is shown now and
    /// never again.
    pub async fn emitir_clave_api(
        &self,
        afiliado_id: Uuid,
        ahora: DateTime<Utc>,
    ) -> DomainResult<(String, ClaveApi)> {
        let (conocido, _) = self
            .repo
            .referencias_aceptables(afiliado_id, Uuid::nil())
            .await?;
        if !conocido {
            return Err(DomainError::invalid(
                "afiliadoId",
                format!("Afiliado desconocido o eliminado: {afiliado_id}"),
            ));
        }
        let nueva = subgraph_kit::auth::clave_api::generar();
        let clave = ClaveApi {
            afiliado_id,
            digest: nueva.digest.clone(),
            prefijo: nueva.prefijo.clone(),
            emitida_en: ahora.trunc_subsecs(6),
        };
        let evento = envelope(&ClaveApiEmitida::from(&clave), ahora)?;
        self.repo.guardar_clave(&clave, &[evento]).await?;
        Ok((nueva.clave, clave))
    }

    /// The partner whose current collector key `clave` is (`None`: not a key, an unknown
    /// or a replaced one).
    pub async fn afiliado_de_clave(&self, clave: &str) -> DomainResult<Option<Uuid>> {
        use subgraph_kit::auth::clave_api::{bien_formada, digest};
        // A malformed value is never looked up.
        if !bien_formada(clave) {
            return Ok(None);
        }
        self.repo.afiliado_de_clave(&digest(clave)).await
    }

    /// Records a tracking event, within the partner's rate limit; over it nothing is stored.
    pub async fn registrar_evento(
        &self,
        c: RegistrarEvento,
        ahora: DateTime<Utc>,
    ) -> DomainResult<EventoTracking> {
        let ocurrido_en = crate::domain::validar_fecha("timestamp", c.timestamp, ahora)?;
        if let DecisionLimite::Limitado { reintentar_en_ms } =
            self.limitador.consumir(c.afiliado_id).await
        {
            return Err(DomainError::RateLimited(format!(
                "Demasiados eventos del afiliado {}; reintente en {} ms",
                c.afiliado_id,
                reintentar_en_ms.max(1)
            )));
        }
        self.exigir_referencias(c.afiliado_id, c.campania_id)
            .await?;
        let evento = EventoTracking {
            id: Uuid::now_v7(),
            tipo: c.tipo,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            fuente: c.fuente,
            canal: c.canal.unwrap_or(c.fuente.canal_por_defecto()),
            valor: c.valor,
            metadatos: c.metadatos,
            ocurrido_en,
            recibido_en: ahora.trunc_subsecs(6),
        };
        self.repo
            .insertar_eventos(std::slice::from_ref(&evento))
            .await?;
        Ok(evento)
    }

    /// Stores tracking events as given, without rate limit or checks (demo data).
    pub async fn cargar_eventos(&self, eventos: &[EventoTracking]) -> DomainResult<()> {
        self.repo.insertar_eventos(eventos).await
    }

    /// Registers a conversion. The same partner reference again returns the stored
    /// conversion; the reference reused with different data is `CONFLICT`.
    pub async fn registrar_conversion(
        &self,
        c: RegistrarConversion,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Conversion> {
        crate::domain::validar_fecha("fecha", c.fecha, ahora)?;
        self.exigir_referencias(c.afiliado_id, c.campania_id)
            .await?;
        let conversion = Conversion::registrar(Uuid::now_v7(), c, ahora);
        let evento = envelope(&ConversionRegistrada::from(&conversion), ahora)?;
        match self.repo.registrar(&conversion, &[evento]).await? {
            Registro::Nueva => Ok(conversion),
            Registro::Existente(existente) if existente.solicitud == conversion.solicitud => {
                Ok(*existente)
            }
            Registro::Existente(existente) => Err(DomainError::Conflict(format!(
                "La referencia externa '{}' ya se usó para otra conversión ({}) con datos distintos",
                existente.referencia_externa.as_deref().unwrap_or_default(),
                existente.id
            ))),
        }
    }

    /// Registers many conversions (demo data) in one transaction, each optionally
    /// reviewed at once, with all their events.
    pub async fn registrar_lote(
        &self,
        lote: Vec<(RegistrarConversion, DateTime<Utc>, Option<Revision>)>,
    ) -> DomainResult<usize> {
        let mut filas = Vec::with_capacity(lote.len());
        for (c, ahora, revision) in lote {
            let mut conversion = Conversion::registrar(Uuid::now_v7(), c, ahora);
            let mut eventos = vec![envelope(&ConversionRegistrada::from(&conversion), ahora)?];
            match revision {
                Some(Revision::Validar) => {
                    conversion.validar(ahora)?;
                    eventos.push(envelope(&ConversionValidada::from(&conversion), ahora)?);
                }
                Some(Revision::Rechazar(motivo)) => {
                    conversion.rechazar(&motivo, ahora)?;
                    eventos.push(envelope(&ConversionRechazada::from(&conversion), ahora)?);
                }
                None => {}
            }
            filas.push((conversion, eventos));
        }
        self.repo.registrar_lote(&filas).await?;
        Ok(filas.len())
    }

    /// The conversion with this id, or `NOT_FOUND`.
    pub async fn obtener(&self, id: Uuid) -> DomainResult<Conversion> {
        self.repo
            .por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Conversión", id))
    }

    /// REGISTRADA → VALIDADA, with `ConversionValidada` in the same transaction.
    pub async fn validar(&self, id: Uuid, ahora: DateTime<Utc>) -> DomainResult<Conversion> {
        let mut conversion = self.obtener(id).await?;
        let version = conversion.version;
        conversion.validar(ahora)?;
        let evento = envelope(&ConversionValidada::from(&conversion), ahora)?;
        self.repo.guardar(&conversion, version, &[evento]).await?;
        Ok(conversion)
    }

    /// REGISTRADA → RECHAZADA, with `ConversionRechazada` in the same transaction.
    pub async fn rechazar(
        &self,
        id: Uuid,
        motivo: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Conversion> {
        let mut conversion = self.obtener(id).await?;
        let version = conversion.version;
        conversion.rechazar(motivo, ahora)?;
        let evento = envelope(&ConversionRechazada::from(&conversion), ahora)?;
        self.repo.guardar(&conversion, version, &[evento]).await?;
        Ok(conversion)
    }

    /// VALIDADA → RECHAZADA (a validated conversion found invalid later), with
    /// `ConversionRechazada` (`estadoAnterior` VALIDADA) in the same transaction: `pagos`
    /// reverses its commission and claws back what was paid.
    pub async fn revertir(
        &self,
        id: Uuid,
        motivo: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Conversion> {
        let mut conversion = self.obtener(id).await?;
        let version = conversion.version;
        conversion.revertir(motivo, ahora)?;
        let evento = ConversionRechazada {
            estado_anterior: "VALIDADA",
            ..ConversionRechazada::from(&conversion)
        };
        let evento = envelope(&evento, ahora)?;
        self.repo.guardar(&conversion, version, &[evento]).await?;
        Ok(conversion)
    }

    /// Many conversions by id, in one load.
    pub async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Conversion>> {
        self.repo.por_ids(ids).await
    }

    /// One page of the list.
    pub async fn listar(
        &self,
        filtro: &FiltroConversiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Conversion>> {
        self.repo.listar(filtro, pagina).await
    }

    /// The latest conversions of each entity, in one load.
    pub async fn por_entidad(
        &self,
        filtro: &FiltroPorEntidad,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<Conversion>>> {
        self.repo.por_entidad(filtro, ids).await
    }

    /// Metrics of a window, optionally of one channel.
    pub async fn metricas(&self, ventana: Ventana, canal: Option<Canal>) -> DomainResult<Metricas> {
        let filas = self.repo.metricas(None, ventana, canal).await?;
        Metricas::desde_filas(&filas, canal.unwrap_or(Canal::Web))
    }

    /// Metrics of one partner over a window, optionally of one channel.
    pub async fn metricas_de_afiliado(
        &self,
        afiliado_id: Uuid,
        ventana: Ventana,
        canal: Option<Canal>,
    ) -> DomainResult<Metricas> {
        let filas = self
            .repo
            .metricas(Some((Dimension::Afiliado, &[afiliado_id])), ventana, canal)
            .await?;
        Metricas::desde_filas(&filas, canal.unwrap_or(Canal::Web))
    }

    /// Metrics of a window per partner or campaign, for a whole batch in one load.
    pub async fn metricas_por_entidad(
        &self,
        dimension: Dimension,
        ids: &[Uuid],
        ventana: Ventana,
    ) -> DomainResult<HashMap<Uuid, Metricas>> {
        let filas = self
            .repo
            .metricas(Some((dimension, ids)), ventana, None)
            .await?;
        let mut por_id: HashMap<Uuid, Vec<_>> = HashMap::new();
        for fila in filas {
            if let Some(id) = fila.entidad {
                por_id.entry(id).or_default().push(fila);
            }
        }
        ids.iter()
            .map(|id| {
                let filas = por_id.remove(id).unwrap_or_default();
                Ok((*id, Metricas::desde_filas(&filas, Canal::Web)?))
            })
            .collect()
    }

    /// Records an id another context announced.
    pub async fn conocer(
        &self,
        dimension: Dimension,
        id: Uuid,
        en: DateTime<Utc>,
    ) -> DomainResult<()> {
        self.repo.conocer(dimension, id, en).await
    }

    /// How many conversions exist.
    pub async fn contar(&self) -> DomainResult<u64> {
        self.repo.contar().await
    }

    /// Conversions found by their partner reference, with relevance.
    pub async fn buscar(
        &self,
        busqueda: &subgraph_kit::search::Busqueda,
    ) -> DomainResult<Vec<(Conversion, i32)>> {
        self.repo.buscar(busqueda).await
    }
}
