//! Entities of the Bürgerservice (migration 4).

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub(crate) mod life_situation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "life_situation")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub name_en: Option<String>,
        pub parent_id: Option<i64>,
        pub summary: String,
        pub position: i32,
    }
    no_relations!();
}

pub(crate) mod service {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub slug: String,
        pub leika_key: Option<String>,
        pub level: String,
        pub name: String,
        pub content: String,
        pub updated_at: ChronoDateTimeUtc,
        pub archived_at: Option<ChronoDateTimeUtc>,
    }
    no_relations!();
}

pub(crate) mod service_life_situation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service_life_situation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub service_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub life_situation_id: i64,
    }
    no_relations!();
}

pub(crate) mod service_related {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service_related")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub service_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub related_id: i64,
    }
    no_relations!();
}

pub(crate) mod service_local {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service_local")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub service_id: i64,
        /// The tenant.
        pub municipality_id: i64,
        pub overrides: String,
        pub note: String,
        pub updated_at: ChronoDateTimeUtc,
    }
    no_relations!();
}

pub(crate) mod office {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "office")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The tenant.
        pub municipality_id: i64,
        pub slug: String,
        pub name: String,
        pub street: String,
        pub postcode: String,
        pub city: String,
        pub accessibility: String,
        pub phone: String,
        pub email: String,
        pub appointment_url: String,
        pub website: String,
        pub hours: String,
        pub exceptions: String,
        pub open_on_holidays: bool,
        pub updated_at: ChronoDateTimeUtc,
        pub archived_at: Option<ChronoDateTimeUtc>,
    }
    no_relations!();
}

pub(crate) mod contact {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub office_id: i64,
        /// The tenant.
        pub municipality_id: i64,
        pub function: String,
        pub name: String,
        pub show_name: bool,
        pub phone: String,
        pub email: String,
        pub room: String,
        pub hours: String,
        pub position: i32,
    }
    no_relations!();
}

pub(crate) mod contact_service {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_service")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub contact_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub service_id: i64,
    }
    no_relations!();
}

pub(crate) mod responsibility {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "responsibility")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub service_id: i64,
        pub office_id: i64,
        /// The tenant: the office's municipality.
        pub municipality_id: i64,
        pub area_kind: String,
        pub area_municipality_id: i64,
        pub area_values: String,
    }
    no_relations!();
}

pub(crate) mod form_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "form_file")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub service_id: i64,
        /// The tenant; None for a regional form.
        pub municipality_id: Option<i64>,
        pub title: String,
        pub language: String,
        pub version: String,
        pub valid_from: Option<Date>,
        pub sha256: String,
        pub size: i64,
        pub pages: Option<i32>,
        pub original_name: String,
        pub archived_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        pub created_by: Option<i64>,
    }
    no_relations!();
}
