//! Staff accounts, role grants, sessions, login throttling, API tokens, password resets and the
//! append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipality {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUser {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    TotpSecret,
    TotpEnabled,
    TotpLastStep,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum RoleGrant {
    Table,
    Id,
    UserId,
    Role,
    MunicipalityId,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffSession {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    MfaPassed,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    LastFailureAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    TokenHash,
    Prefix,
    Name,
    MunicipalityId,
    Role,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum PasswordReset {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    ActorTokenId,
    Actor,
    MunicipalityId,
    EntityType,
    EntityId,
    Action,
    Changes,
    Ip,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().take()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().take()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().null().take()
}

fn bigint<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}

fn bigint_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().take()
}

fn instant<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().take()
}

fn instant_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

fn fk<F: IntoIden, T: IntoIden>(
    name: &str,
    from: F,
    col: impl IntoIden,
    to: T,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from, col).to(to, to_col).on_delete(on_delete).take()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create().name(name).table(table).take();
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StaffUser::Table)
                .col(id(StaffUser::Id))
                .col(text(StaffUser::Email).unique_key().take())
                .col(text(StaffUser::DisplayName))
                // NULL until the person sets a password through the e-mailed link.
                .col(text_null(StaffUser::PasswordHash))
                .col(text_null(StaffUser::TotpSecret))
                .col(ColumnDef::new(StaffUser::TotpEnabled).boolean().not_null().default(false))
                // The last TOTP time step used: a code is never accepted twice.
                .col(bigint_null(StaffUser::TotpLastStep))
                .col(ColumnDef::new(StaffUser::Disabled).boolean().not_null().default(false))
                .col(instant(StaffUser::CreatedAt))
                .col(instant(StaffUser::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RecoveryCode::Table)
                .col(id(RecoveryCode::Id))
                .col(bigint(RecoveryCode::UserId))
                .col(text(RecoveryCode::CodeHash))
                .col(instant_null(RecoveryCode::UsedAt))
                .foreign_key(&mut fk(
                    "fk_recovery_user",
                    RecoveryCode::Table,
                    RecoveryCode::UserId,
                    StaffUser::Table,
                    StaffUser::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        index(m, "idx_recovery_user", RecoveryCode::Table, &["user_id"], false).await?;

        m.create_table(
            Table::create()
                .table(RoleGrant::Table)
                .col(id(RoleGrant::Id))
                .col(bigint(RoleGrant::UserId))
                .col(text(RoleGrant::Role))
                // NULL for the region-wide roles (platform_admin, region_editor).
                .col(bigint_null(RoleGrant::MunicipalityId))
                .col(bigint_null(RoleGrant::GrantedBy))
                .col(instant(RoleGrant::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_grant_user",
                    RoleGrant::Table,
                    RoleGrant::UserId,
                    StaffUser::Table,
                    StaffUser::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_grant_municipality",
                    RoleGrant::Table,
                    RoleGrant::MunicipalityId,
                    Municipality::Table,
                    Municipality::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        index(m, "idx_grant_user", RoleGrant::Table, &["user_id"], false).await?;
        index(m, "idx_grant_municipality", RoleGrant::Table, &["municipality_id"], false).await?;

        m.create_table(
            Table::create()
                .table(StaffSession::Table)
                .col(id(StaffSession::Id))
                // SHA-256 of the cookie value: a database leak reveals no usable session.
                .col(text(StaffSession::TokenHash).unique_key().take())
                .col(bigint(StaffSession::UserId))
                .col(text(StaffSession::CsrfToken))
                .col(ColumnDef::new(StaffSession::MfaPassed).boolean().not_null().default(false))
                .col(instant(StaffSession::CreatedAt))
                .col(instant(StaffSession::LastSeenAt))
                .col(instant(StaffSession::ExpiresAt))
                .col(text_null(StaffSession::Ip))
                .col(text_null(StaffSession::UserAgent))
                .foreign_key(&mut fk(
                    "fk_session_user",
                    StaffSession::Table,
                    StaffSession::UserId,
                    StaffUser::Table,
                    StaffUser::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        index(m, "idx_session_user", StaffSession::Table, &["user_id"], false).await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(ColumnDef::new(LoginThrottle::Key).string().not_null().primary_key())
                .col(ColumnDef::new(LoginThrottle::Failures).integer().not_null().default(0))
                .col(instant(LoginThrottle::LastFailureAt))
                .col(instant_null(LoginThrottle::BlockedUntil))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiToken::Table)
                .col(id(ApiToken::Id))
                .col(text(ApiToken::TokenHash).unique_key().take())
                .col(text(ApiToken::Prefix))
                .col(text(ApiToken::Name))
                .col(bigint(ApiToken::MunicipalityId))
                .col(text(ApiToken::Role))
                .col(bigint_null(ApiToken::CreatedBy))
                .col(instant(ApiToken::CreatedAt))
                .col(instant_null(ApiToken::LastUsedAt))
                .col(instant_null(ApiToken::RevokedAt))
                .foreign_key(&mut fk(
                    "fk_token_municipality",
                    ApiToken::Table,
                    ApiToken::MunicipalityId,
                    Municipality::Table,
                    Municipality::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        index(m, "idx_token_municipality", ApiToken::Table, &["municipality_id"], false).await?;

        m.create_table(
            Table::create()
                .table(PasswordReset::Table)
                .col(id(PasswordReset::Id))
                .col(text(PasswordReset::TokenHash).unique_key().take())
                .col(bigint(PasswordReset::UserId))
                .col(instant(PasswordReset::CreatedAt))
                .col(instant(PasswordReset::ExpiresAt))
                .col(instant_null(PasswordReset::UsedAt))
                .foreign_key(&mut fk(
                    "fk_reset_user",
                    PasswordReset::Table,
                    PasswordReset::UserId,
                    StaffUser::Table,
                    StaffUser::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(id(AuditLog::Id))
                .col(instant(AuditLog::At))
                // No foreign keys: the log outlives the users, tokens and municipalities it names.
                .col(bigint_null(AuditLog::ActorUserId))
                .col(bigint_null(AuditLog::ActorTokenId))
                .col(text(AuditLog::Actor))
                .col(bigint_null(AuditLog::MunicipalityId))
                .col(text(AuditLog::EntityType))
                .col(text_null(AuditLog::EntityId))
                .col(text(AuditLog::Action))
                .col(ColumnDef::new(AuditLog::Changes).text().not_null())
                .col(text_null(AuditLog::Ip))
                .take(),
        )
        .await?;
        index(m, "idx_audit_municipality_at", AuditLog::Table, &["municipality_id", "at"], false).await?;
        index(m, "idx_audit_at", AuditLog::Table, &["at"], false).await?;

        // Append-only: the database itself refuses to change or delete audit entries.
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log").await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()").await?;
        }
        for t in [
            AuditLog::Table.into_iden(),
            PasswordReset::Table.into_iden(),
            ApiToken::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            StaffSession::Table.into_iden(),
            RoleGrant::Table.into_iden(),
            RecoveryCode::Table.into_iden(),
            StaffUser::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
