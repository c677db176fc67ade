import { Migration } from '@mikro-orm/migrations';

export class Migration20261122024637_initial extends Migration {

  override name = 'Migration20261122024637_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table \`tenants\` (\`id\` bigint unsigned not null auto_increment primary key, \`name\` varchar(255) not null, \`status\` enum('active','suspended','closed') not null default 'active', \`timezone\` varchar(64) not null default 'UTC', \`default_country\` varchar(2) not null default 'US', \`settings\` json null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`tenants\` add index \`tenants_status_idx\` (\`status\`);`);

    this.addSql(`create table \`presence_reasons\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(100) not null, \`sort_order\` int not null default 0, \`is_active\` tinyint(1) not null default true, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`presence_reasons\` add index \`presence_reasons_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`presence_reasons\` add unique \`presence_reasons_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`permissions\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`role\` enum('tenant_admin','supervisor','sales_agent','support_agent','read_only') not null, \`permission\` varchar(100) not null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`permissions\` add index \`permissions_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`permissions\` add unique \`permissions_tenant_role_perm_unique\` (\`tenant_id\`, \`role\`, \`permission\`);`);

    this.addSql(`create table \`lead_statuses\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`color\` varchar(7) not null default '#3B82F6', \`sort_order\` int not null default 0, \`is_default\` tinyint(1) not null default false, \`is_closed\` tinyint(1) not null default false, \`is_won\` tinyint(1) not null default false, \`is_lost\` tinyint(1) not null default false, \`requires_note\` tinyint(1) not null default false, \`requires_followup_date\` tinyint(1) not null default false, \`default_key\` bigint generated always as (case when \`is_default\` = 1 then \`tenant_id\` else NULL end) virtual, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`lead_statuses\` add index \`lead_statuses_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`lead_statuses\` add unique \`lead_statuses_one_default_unique\` (\`default_key\`);`);
    this.addSql(`alter table \`lead_statuses\` add index \`lead_statuses_tenant_sort_idx\` (\`tenant_id\`, \`sort_order\`);`);
    this.addSql(`alter table \`lead_statuses\` add unique \`lead_statuses_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`chat_media\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`type\` enum('image','video','audio','document','sticker') not null, \`whatsapp_media_id\` varchar(128) null, \`mime_type\` varchar(255) null, \`filename\` varchar(255) null, \`file_size\` bigint unsigned null, \`local_path\` varchar(1024) null, \`metadata\` json null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`chat_media\` add index \`chat_media_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`chat_media\` add index \`chat_media_tenant_wa_media_idx\` (\`tenant_id\`, \`whatsapp_media_id\`);`);

    this.addSql(`create table \`call_dispositions\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`sort_order\` int not null default 0, \`is_default\` tinyint(1) not null default false, \`requires_note\` tinyint(1) not null default false, \`is_active\` tinyint(1) not null default true, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`call_dispositions\` add index \`call_dispositions_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`call_dispositions\` add index \`call_dispositions_tenant_sort_idx\` (\`tenant_id\`, \`sort_order\`);`);
    this.addSql(`alter table \`call_dispositions\` add unique \`call_dispositions_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`ticket_categories\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`description\` text null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`ticket_categories\` add index \`ticket_categories_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`ticket_categories\` add unique \`ticket_categories_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`users\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`email\` varchar(255) not null, \`email_verified_at\` datetime null, \`password\` varchar(255) not null, \`role\` enum('tenant_admin','supervisor','sales_agent','support_agent','read_only') not null default 'sales_agent', \`is_active\` tinyint(1) not null default true, \`token_version\` int not null default 0, \`last_login_at\` datetime null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`users\` add index \`users_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`users\` add unique \`users_email_unique\` (\`email\`);`);
    this.addSql(`alter table \`users\` add index \`users_tenant_role_idx\` (\`tenant_id\`, \`role\`);`);
    this.addSql(`alter table \`users\` add index \`users_tenant_active_idx\` (\`tenant_id\`, \`is_active\`);`);

    this.addSql(`create table \`templates\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`meta_id\` varchar(64) null, \`name\` varchar(255) not null, \`category\` enum('MARKETING','UTILITY','AUTHENTICATION') not null, \`language\` varchar(16) not null, \`components\` json not null, \`status\` enum('PENDING','APPROVED','REJECTED','PAUSED','DISABLED') not null default 'PENDING', \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`templates\` add index \`templates_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`templates\` add index \`templates_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`templates\` add index \`templates_tenant_status_idx\` (\`tenant_id\`, \`status\`);`);
    this.addSql(`alter table \`templates\` add unique \`templates_tenant_name_lang_unique\` (\`tenant_id\`, \`name\`, \`language\`);`);

    this.addSql(`create table \`refresh_tokens\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`token_hash\` varchar(64) not null, \`family_id\` varchar(36) not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`revoked_at\` datetime null, \`replaced_by\` varchar(64) null, \`ip_address\` varchar(45) null, \`user_agent\` varchar(512) null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`refresh_tokens\` add index \`refresh_tokens_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`refresh_tokens\` add index \`refresh_tokens_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`refresh_tokens\` add unique \`refresh_tokens_token_hash_unique\` (\`token_hash\`);`);
    this.addSql(`alter table \`refresh_tokens\` add index \`refresh_tokens_tenant_user_idx\` (\`tenant_id\`, \`user_id\`);`);
    this.addSql(`alter table \`refresh_tokens\` add index \`refresh_tokens_tenant_family_idx\` (\`tenant_id\`, \`family_id\`);`);

    this.addSql(`create table \`rate_limit_violations\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned null, \`user_id\` bigint unsigned null, \`limit_type\` enum('login','ip','user','route','tenant') null, \`email\` varchar(255) null, \`ip_address\` varchar(45) null, \`user_agent\` varchar(512) null, \`route\` varchar(255) null, \`attempts\` int not null default 1, \`limit_threshold\` int null, \`window_seconds\` int null, \`blocked\` tinyint(1) not null default true, \`block_expires_at\` datetime null, \`reason\` varchar(255) null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_violations_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_violations_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_ip_created_idx\` (\`ip_address\`, \`created_at\`);`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_email_created_idx\` (\`email\`, \`created_at\`);`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_blocked_expires_idx\` (\`blocked\`, \`block_expires_at\`);`);
    this.addSql(`alter table \`rate_limit_violations\` add index \`rate_limit_tenant_created_idx\` (\`tenant_id\`, \`created_at\`);`);

    this.addSql(`create table \`presence_tracking\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`entity_type\` varchar(32) not null, \`entity_id\` bigint unsigned not null, \`socket_id\` varchar(64) not null, \`node_id\` varchar(64) not null, \`started_at\` datetime not null, \`last_seen_at\` datetime not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`presence_tracking\` add index \`presence_tracking_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`presence_tracking\` add index \`presence_tracking_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`presence_tracking\` add index \`presence_tracking_entity_idx\` (\`tenant_id\`, \`entity_type\`, \`entity_id\`);`);
    this.addSql(`alter table \`presence_tracking\` add index \`presence_tracking_node_idx\` (\`node_id\`);`);
    this.addSql(`alter table \`presence_tracking\` add unique \`presence_tracking_socket_entity_unique\` (\`tenant_id\`, \`socket_id\`, \`entity_type\`, \`entity_id\`);`);

    this.addSql(`create table \`presence_events\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`state\` enum('available','away','not_ready','on_call','wrap_up','offline') not null, \`reason_id\` bigint unsigned null, \`started_at\` datetime not null, \`ended_at\` datetime null, \`duration_seconds\` int null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`presence_events\` add index \`presence_events_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`presence_events\` add index \`presence_events_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`presence_events\` add index \`presence_events_reason_id_index\` (\`reason_id\`);`);
    this.addSql(`alter table \`presence_events\` add index \`presence_events_tenant_user_started_idx\` (\`tenant_id\`, \`user_id\`, \`started_at\`);`);
    this.addSql(`alter table \`presence_events\` add index \`presence_events_tenant_started_idx\` (\`tenant_id\`, \`started_at\`);`);

    this.addSql(`create table \`notifications\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`type\` varchar(64) not null, \`title\` varchar(255) not null, \`body\` text null, \`data\` json null, \`read_at\` datetime null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`notifications\` add index \`notifications_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`notifications\` add index \`notifications_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`notifications\` add index \`notifications_tenant_user_read_idx\` (\`tenant_id\`, \`user_id\`, \`read_at\`, \`created_at\`);`);

    this.addSql(`create table \`leads\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`lead_status_id\` bigint unsigned not null, \`assigned_to_user_id\` bigint unsigned null, \`created_by_user_id\` bigint unsigned null, \`name\` varchar(255) not null, \`company_name\` varchar(255) null, \`email\` varchar(255) null, \`phone\` varchar(32) null, \`source\` varchar(255) null, \`score\` enum('hot','warm','cold') not null default 'warm', \`estimated_value\` numeric(12,2) null, \`last_contacted_at\` datetime null, \`next_followup_at\` datetime null, \`version\` int not null default 1, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_lead_status_id_index\` (\`lead_status_id\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_assigned_to_user_id_index\` (\`assigned_to_user_id\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_created_by_user_id_index\` (\`created_by_user_id\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_status_idx\` (\`tenant_id\`, \`lead_status_id\`, \`id\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_assigned_fup_idx\` (\`tenant_id\`, \`assigned_to_user_id\`, \`next_followup_at\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_followup_idx\` (\`tenant_id\`, \`next_followup_at\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_phone_idx\` (\`tenant_id\`, \`phone\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_email_idx\` (\`tenant_id\`, \`email\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_name_idx\` (\`tenant_id\`, \`name\`);`);
    this.addSql(`alter table \`leads\` add index \`leads_tenant_company_idx\` (\`tenant_id\`, \`company_name\`);`);

    this.addSql(`create table \`lead_activities\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`lead_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`type\` enum('call','note','status_change','followup','assignment') not null, \`payload\` json null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`lead_activities\` add index \`lead_activities_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`lead_activities\` add index \`lead_activities_lead_id_index\` (\`lead_id\`);`);
    this.addSql(`alter table \`lead_activities\` add index \`lead_activities_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`lead_activities\` add index \`lead_activities_tenant_lead_created_idx\` (\`tenant_id\`, \`lead_id\`, \`created_at\`);`);

    this.addSql(`create table \`invitations\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`email\` varchar(255) not null, \`role\` enum('tenant_admin','supervisor','sales_agent','support_agent','read_only') not null, \`token_hash\` varchar(64) not null, \`invited_by_id\` bigint unsigned null, \`expires_at\` datetime not null, \`accepted_at\` datetime null, \`revoked_at\` datetime null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`invitations\` add index \`invitations_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`invitations\` add unique \`invitations_token_hash_unique\` (\`token_hash\`);`);
    this.addSql(`alter table \`invitations\` add index \`invitations_invited_by_id_index\` (\`invited_by_id\`);`);
    this.addSql(`alter table \`invitations\` add index \`invitations_tenant_email_idx\` (\`tenant_id\`, \`email\`);`);

    this.addSql(`create table \`contact_groups\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`contact_groups\` add index \`contact_groups_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`contact_groups\` add index \`contact_groups_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`contact_groups\` add index \`contact_groups_tenant_name_idx\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`contact_fields\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`field_type\` enum('text','number','date','select') not null, \`options\` json null, \`is_required\` tinyint(1) not null default false, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`contact_fields\` add index \`contact_fields_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`contact_fields\` add index \`contact_fields_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`contact_fields\` add unique \`contact_fields_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`contacts\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`first_name\` varchar(255) not null, \`last_name\` varchar(255) null, \`phone\` varchar(32) not null, \`email\` varchar(255) null, \`avatar\` varchar(1024) null, \`address\` text null, \`metadata\` json null, \`is_favorite\` tinyint(1) not null default false, \`latest_chat_created_at\` datetime null, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`contacts\` add index \`contacts_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_first_name_idx\` (\`tenant_id\`, \`first_name\`);`);
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_phone_idx\` (\`tenant_id\`, \`phone\`);`);
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_email_idx\` (\`tenant_id\`, \`email\`);`);
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_latest_chat_idx\` (\`tenant_id\`, \`latest_chat_created_at\`);`);
    this.addSql(`alter table \`contacts\` add fulltext index \`contacts_fulltext\`(\`first_name\`,\`last_name\`,\`phone\`,\`email\`);`);

    this.addSql(`create table \`tickets\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`subject\` varchar(255) not null, \`description\` text null, \`category_id\` bigint unsigned null, \`contact_id\` bigint unsigned null, \`priority\` enum('low','medium','high') not null default 'medium', \`status\` enum('open','in_progress','resolved','closed') not null default 'open', \`assigned_to_id\` bigint unsigned null, \`created_by_id\` bigint unsigned null, \`resolved_at\` datetime null, \`closed_at\` datetime null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`tickets\` add index \`tickets_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_category_id_index\` (\`category_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_contact_id_index\` (\`contact_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_assigned_to_id_index\` (\`assigned_to_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_tenant_status_priority_idx\` (\`tenant_id\`, \`status\`, \`priority\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_tenant_assigned_status_idx\` (\`tenant_id\`, \`assigned_to_id\`, \`status\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_tenant_contact_idx\` (\`tenant_id\`, \`contact_id\`);`);
    this.addSql(`alter table \`tickets\` add index \`tickets_tenant_created_idx\` (\`tenant_id\`, \`created_at\`);`);

    this.addSql(`create table \`ticket_comments\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`ticket_id\` bigint unsigned not null, \`user_id\` bigint unsigned null, \`comment\` text not null, \`is_internal\` tinyint(1) not null default false, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`ticket_comments\` add index \`ticket_comments_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`ticket_comments\` add index \`ticket_comments_ticket_id_index\` (\`ticket_id\`);`);
    this.addSql(`alter table \`ticket_comments\` add index \`ticket_comments_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`ticket_comments\` add index \`ticket_comments_tenant_ticket_idx\` (\`tenant_id\`, \`ticket_id\`, \`created_at\`);`);

    this.addSql(`create table \`contact_contact_group\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`contact_id\` bigint unsigned not null, \`group_id\` bigint unsigned not null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`contact_contact_group\` add index \`contact_contact_group_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`contact_contact_group\` add index \`contact_contact_group_contact_id_index\` (\`contact_id\`);`);
    this.addSql(`alter table \`contact_contact_group\` add index \`contact_contact_group_group_id_index\` (\`group_id\`);`);
    this.addSql(`alter table \`contact_contact_group\` add index \`contact_group_members_group_idx\` (\`tenant_id\`, \`group_id\`, \`id\`);`);
    this.addSql(`alter table \`contact_contact_group\` add unique \`contact_group_members_unique\` (\`tenant_id\`, \`contact_id\`, \`group_id\`);`);

    this.addSql(`create table \`calls\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned null, \`related_type\` varchar(255) null, \`related_id\` bigint unsigned null, \`direction\` enum('inbound','outbound') not null, \`from_number\` varchar(64) not null, \`to_number\` varchar(64) not null, \`extension\` varchar(64) null, \`status\` enum('ringing','in_progress','ended','closed') not null default 'ringing', \`started_at\` datetime not null, \`answered_at\` datetime null, \`ended_at\` datetime null, \`duration_seconds\` int null, \`pbx_call_id\` varchar(255) null, \`sip_call_id\` varchar(255) null, \`console_call_id\` varchar(64) null, \`recording_url\` varchar(1024) null, \`disposition_id\` bigint unsigned null, \`wrapup_notes\` text null, \`closed_at\` datetime null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_disposition_id_index\` (\`disposition_id\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_sip_call_idx\` (\`tenant_id\`, \`sip_call_id\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_user_started_idx\` (\`tenant_id\`, \`user_id\`, \`started_at\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_started_idx\` (\`tenant_id\`, \`started_at\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_status_idx\` (\`tenant_id\`, \`status\`);`);
    this.addSql(`alter table \`calls\` add index \`calls_tenant_related_idx\` (\`tenant_id\`, \`related_type\`, \`related_id\`);`);
    this.addSql(`alter table \`calls\` add unique \`calls_tenant_pbx_call_unique\` (\`tenant_id\`, \`pbx_call_id\`);`);
    this.addSql(`alter table \`calls\` add unique \`calls_tenant_console_call_unique\` (\`tenant_id\`, \`console_call_id\`);`);

    this.addSql(`create table \`pbx_events\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`pbx_call_id\` varchar(255) not null, \`event\` enum('call.ringing','call.answered','call.ended','call.recording_ready') not null, \`call_id\` bigint unsigned null, \`payload\` json not null, \`occurred_at\` datetime not null, \`received_at\` datetime not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`pbx_events\` add index \`pbx_events_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`pbx_events\` add index \`pbx_events_call_id_index\` (\`call_id\`);`);
    this.addSql(`alter table \`pbx_events\` add unique \`pbx_events_tenant_call_event_unique\` (\`tenant_id\`, \`pbx_call_id\`, \`event\`);`);

    this.addSql(`create table \`auto_replies\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`trigger\` text not null, \`match_criteria\` enum('exact','contains','regex') not null default 'exact', \`reply\` json not null, \`is_active\` tinyint(1) not null default true, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`auto_replies\` add index \`auto_replies_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`auto_replies\` add index \`auto_replies_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`auto_replies\` add index \`auto_replies_tenant_active_idx\` (\`tenant_id\`, \`is_active\`);`);

    this.addSql(`create table \`authentication_events\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned null, \`user_id\` bigint unsigned null, \`event_type\` enum('login_success','login_failure','login_locked','logout','refresh','refresh_reuse') not null, \`email\` varchar(255) null, \`ip_address\` varchar(45) null, \`user_agent\` varchar(512) null, \`reason\` varchar(255) null, \`suspicious\` tinyint(1) not null default false, \`data\` json null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`authentication_events\` add index \`authentication_events_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`authentication_events\` add index \`authentication_events_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`authentication_events\` add index \`auth_events_email_type_created_idx\` (\`email\`, \`event_type\`, \`created_at\`);`);
    this.addSql(`alter table \`authentication_events\` add index \`auth_events_ip_created_idx\` (\`ip_address\`, \`created_at\`);`);
    this.addSql(`alter table \`authentication_events\` add index \`auth_events_suspicious_created_idx\` (\`suspicious\`, \`created_at\`);`);
    this.addSql(`alter table \`authentication_events\` add index \`auth_events_tenant_created_idx\` (\`tenant_id\`, \`created_at\`);`);

    this.addSql(`create table \`audit_logs\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned null, \`action\` varchar(255) not null, \`entity_type\` varchar(255) null, \`entity_id\` bigint unsigned null, \`changes\` json null, \`ip_address\` varchar(45) null, \`user_agent\` text null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`audit_logs\` add index \`audit_logs_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`audit_logs\` add index \`audit_logs_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`audit_logs\` add index \`audit_logs_tenant_created_idx\` (\`tenant_id\`, \`created_at\`);`);
    this.addSql(`alter table \`audit_logs\` add index \`audit_logs_tenant_entity_idx\` (\`tenant_id\`, \`entity_type\`, \`entity_id\`);`);

    this.addSql(`create table \`api_keys\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`key_prefix\` varchar(16) not null, \`key_hash\` varchar(64) not null, \`scopes\` json not null, \`created_by_id\` bigint unsigned null, \`last_used_at\` datetime null, \`expires_at\` datetime null, \`revoked_at\` datetime null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`api_keys\` add index \`api_keys_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`api_keys\` add unique \`api_keys_key_hash_unique\` (\`key_hash\`);`);
    this.addSql(`alter table \`api_keys\` add index \`api_keys_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`api_keys\` add index \`api_keys_tenant_prefix_idx\` (\`tenant_id\`, \`key_prefix\`);`);

    this.addSql(`create table \`agent_sip_credentials\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`sip_ws_url\` varchar(255) not null, \`sip_username\` varchar(255) not null, \`password_ciphertext\` text not null, \`password_key_id\` varchar(32) not null, \`sip_domain\` varchar(255) not null, \`display_name\` varchar(255) null, \`auto_register\` tinyint(1) not null default false, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`agent_sip_credentials\` add index \`agent_sip_credentials_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`agent_sip_credentials\` add index \`agent_sip_credentials_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`agent_sip_credentials\` add unique \`agent_sip_tenant_user_unique\` (\`tenant_id\`, \`user_id\`);`);
    this.addSql(`alter table \`agent_sip_credentials\` add unique \`agent_sip_tenant_username_unique\` (\`tenant_id\`, \`sip_username\`);`);

    this.addSql(`create table \`user_sessions\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`user_id\` bigint unsigned not null, \`socket_id\` varchar(64) not null, \`node_id\` varchar(64) not null, \`ip_address\` varchar(45) null, \`user_agent\` varchar(512) null, \`connected_at\` datetime not null, \`last_active_at\` datetime not null, \`disconnected_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`user_sessions\` add index \`user_sessions_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`user_sessions\` add index \`user_sessions_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`user_sessions\` add index \`user_sessions_tenant_user_idx\` (\`tenant_id\`, \`user_id\`, \`disconnected_at\`);`);
    this.addSql(`alter table \`user_sessions\` add index \`user_sessions_node_idx\` (\`node_id\`, \`disconnected_at\`);`);
    this.addSql(`alter table \`user_sessions\` add unique \`user_sessions_tenant_socket_unique\` (\`tenant_id\`, \`socket_id\`);`);

    this.addSql(`create table \`whatsapp_channels\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`phone_number_id\` varchar(64) not null, \`business_account_id\` varchar(64) not null, \`display_phone_number\` varchar(32) not null, \`access_token_ciphertext\` text not null, \`access_token_key_id\` varchar(32) not null, \`is_active\` tinyint(1) not null default true, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`whatsapp_channels\` add index \`whatsapp_channels_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`whatsapp_channels\` add unique \`whatsapp_channels_phone_number_id_unique\` (\`phone_number_id\`);`);
    this.addSql(`alter table \`whatsapp_channels\` add index \`whatsapp_channels_tenant_active_idx\` (\`tenant_id\`, \`is_active\`);`);

    this.addSql(`create table \`conversations\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`channel_id\` bigint unsigned not null, \`contact_id\` bigint unsigned not null, \`status\` enum('open','pending','resolved') not null default 'open', \`assignee_id\` bigint unsigned null, \`last_message_at\` datetime null, \`last_message_preview\` varchar(255) null, \`last_inbound_at\` datetime null, \`unread_count\` int not null default 0, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`conversations\` add index \`conversations_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`conversations\` add index \`conversations_channel_id_index\` (\`channel_id\`);`);
    this.addSql(`alter table \`conversations\` add index \`conversations_contact_id_index\` (\`contact_id\`);`);
    this.addSql(`alter table \`conversations\` add index \`conversations_assignee_id_index\` (\`assignee_id\`);`);
    this.addSql(`alter table \`conversations\` add index \`conversations_tenant_status_last_idx\` (\`tenant_id\`, \`status\`, \`last_message_at\`);`);
    this.addSql(`alter table \`conversations\` add index \`conversations_tenant_assignee_status_idx\` (\`tenant_id\`, \`assignee_id\`, \`status\`);`);
    this.addSql(`alter table \`conversations\` add unique \`conversations_tenant_channel_contact_unique\` (\`tenant_id\`, \`channel_id\`, \`contact_id\`);`);

    this.addSql(`create table \`campaigns\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`name\` varchar(255) not null, \`channel_id\` bigint unsigned null, \`template_id\` bigint unsigned not null, \`contact_group_id\` bigint unsigned null, \`metadata\` json null, \`status\` enum('pending','processing','completed','failed','cancelled') not null default 'pending', \`scheduled_at\` datetime null, \`started_at\` datetime null, \`completed_at\` datetime null, \`total_count\` int not null default 0, \`sent_count\` int not null default 0, \`delivered_count\` int not null default 0, \`read_count\` int not null default 0, \`failed_count\` int not null default 0, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_channel_id_index\` (\`channel_id\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_template_id_index\` (\`template_id\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_contact_group_id_index\` (\`contact_group_id\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_tenant_status_sched_idx\` (\`tenant_id\`, \`status\`, \`scheduled_at\`);`);
    this.addSql(`alter table \`campaigns\` add index \`campaigns_tenant_created_idx\` (\`tenant_id\`, \`created_at\`);`);

    this.addSql(`create table \`chats\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`conversation_id\` bigint unsigned not null, \`contact_id\` bigint unsigned not null, \`wamid\` varchar(128) null, \`direction\` enum('inbound','outbound') not null, \`type\` enum('text','image','video','audio','document','sticker','location','contacts','template','interactive','button','reaction','unsupported') not null default 'text', \`body\` text null, \`metadata\` json null, \`media_id\` bigint unsigned null, \`status\` enum('queued','sent','delivered','read','failed','received') not null, \`error\` json null, \`campaign_id\` bigint unsigned null, \`sent_by_id\` bigint unsigned null, \`sent_at\` datetime null, \`delivered_at\` datetime null, \`read_at\` datetime null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`chats\` add index \`chats_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_conversation_id_index\` (\`conversation_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_contact_id_index\` (\`contact_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_media_id_index\` (\`media_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_campaign_id_index\` (\`campaign_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_sent_by_id_index\` (\`sent_by_id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_tenant_conversation_idx\` (\`tenant_id\`, \`conversation_id\`, \`id\`);`);
    this.addSql(`alter table \`chats\` add index \`chats_tenant_contact_created_idx\` (\`tenant_id\`, \`contact_id\`, \`created_at\`);`);
    this.addSql(`alter table \`chats\` add unique \`chats_tenant_wamid_unique\` (\`tenant_id\`, \`wamid\`);`);

    this.addSql(`create table \`chat_tickets\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`conversation_id\` bigint unsigned not null, \`chat_id\` bigint unsigned null, \`ticket_id\` bigint unsigned not null, \`created_by_id\` bigint unsigned null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_conversation_id_index\` (\`conversation_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_chat_id_index\` (\`chat_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_ticket_id_index\` (\`ticket_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_created_by_id_index\` (\`created_by_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add index \`chat_tickets_tenant_ticket_idx\` (\`tenant_id\`, \`ticket_id\`);`);
    this.addSql(`alter table \`chat_tickets\` add unique \`chat_tickets_tenant_conv_ticket_unique\` (\`tenant_id\`, \`conversation_id\`, \`ticket_id\`);`);

    this.addSql(`create table \`chat_ticket_logs\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`chat_ticket_id\` bigint unsigned not null, \`user_id\` bigint unsigned null, \`action\` varchar(64) not null, \`details\` json null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`chat_ticket_logs\` add index \`chat_ticket_logs_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`chat_ticket_logs\` add index \`chat_ticket_logs_chat_ticket_id_index\` (\`chat_ticket_id\`);`);
    this.addSql(`alter table \`chat_ticket_logs\` add index \`chat_ticket_logs_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`chat_ticket_logs\` add index \`chat_ticket_logs_tenant_ticket_idx\` (\`tenant_id\`, \`chat_ticket_id\`, \`created_at\`);`);

    this.addSql(`create table \`chat_notes\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`conversation_id\` bigint unsigned not null, \`chat_id\` bigint unsigned null, \`user_id\` bigint unsigned null, \`note\` text not null, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`chat_notes\` add index \`chat_notes_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`chat_notes\` add index \`chat_notes_conversation_id_index\` (\`conversation_id\`);`);
    this.addSql(`alter table \`chat_notes\` add index \`chat_notes_chat_id_index\` (\`chat_id\`);`);
    this.addSql(`alter table \`chat_notes\` add index \`chat_notes_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`chat_notes\` add index \`chat_notes_tenant_conversation_idx\` (\`tenant_id\`, \`conversation_id\`, \`created_at\`);`);

    this.addSql(`create table \`campaign_logs\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`campaign_id\` bigint unsigned not null, \`contact_id\` bigint unsigned not null, \`chat_id\` bigint unsigned null, \`metadata\` json null, \`status\` enum('pending','ongoing','success','failed') not null default 'pending', \`delivery_status\` enum('sent','delivered','read','failed') null, \`retry_count\` int not null default 0, \`created_at\` datetime null, \`updated_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`campaign_logs\` add index \`campaign_logs_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`campaign_logs\` add index \`campaign_logs_campaign_id_index\` (\`campaign_id\`);`);
    this.addSql(`alter table \`campaign_logs\` add index \`campaign_logs_contact_id_index\` (\`contact_id\`);`);
    this.addSql(`alter table \`campaign_logs\` add index \`campaign_logs_chat_id_index\` (\`chat_id\`);`);
    this.addSql(`alter table \`campaign_logs\` add index \`campaign_logs_tenant_campaign_status_idx\` (\`tenant_id\`, \`campaign_id\`, \`status\`);`);
    this.addSql(`alter table \`campaign_logs\` add unique \`campaign_logs_tenant_campaign_contact_unique\` (\`tenant_id\`, \`campaign_id\`, \`contact_id\`);`);

    this.addSql(`create table \`campaign_log_retries\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` bigint unsigned not null, \`campaign_log_id\` bigint unsigned not null, \`retry_attempt\` int not null, \`failure_reason\` varchar(255) null, \`error_details\` json null, \`attempted_at\` datetime not null, \`created_at\` datetime null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`campaign_log_retries\` add index \`campaign_log_retries_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`campaign_log_retries\` add index \`campaign_log_retries_campaign_log_id_index\` (\`campaign_log_id\`);`);
    this.addSql(`alter table \`campaign_log_retries\` add index \`campaign_log_retries_tenant_log_idx\` (\`tenant_id\`, \`campaign_log_id\`, \`retry_attempt\`);`);

    this.addSql(`alter table \`presence_reasons\` add constraint \`presence_reasons_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`permissions\` add constraint \`permissions_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`lead_statuses\` add constraint \`lead_statuses_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`lead_statuses\` add constraint \`lead_statuses_won_lost_chk\` check (\`is_won\` <> 1 or \`is_lost\` <> 1);`);

    this.addSql(`alter table \`chat_media\` add constraint \`chat_media_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`call_dispositions\` add constraint \`call_dispositions_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`ticket_categories\` add constraint \`ticket_categories_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`users\` add constraint \`users_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`templates\` add constraint \`templates_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`templates\` add constraint \`templates_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`refresh_tokens\` add constraint \`refresh_tokens_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`refresh_tokens\` add constraint \`refresh_tokens_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`rate_limit_violations\` add constraint \`rate_limit_violations_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`rate_limit_violations\` add constraint \`rate_limit_violations_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`presence_tracking\` add constraint \`presence_tracking_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`presence_tracking\` add constraint \`presence_tracking_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`presence_events\` add constraint \`presence_events_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`presence_events\` add constraint \`presence_events_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`presence_events\` add constraint \`presence_events_reason_id_foreign\` foreign key (\`reason_id\`) references \`presence_reasons\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`notifications\` add constraint \`notifications_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`notifications\` add constraint \`notifications_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`leads\` add constraint \`leads_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`leads\` add constraint \`leads_lead_status_id_foreign\` foreign key (\`lead_status_id\`) references \`lead_statuses\` (\`id\`) on delete restrict;`);
    this.addSql(`alter table \`leads\` add constraint \`leads_assigned_to_user_id_foreign\` foreign key (\`assigned_to_user_id\`) references \`users\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`leads\` add constraint \`leads_created_by_user_id_foreign\` foreign key (\`created_by_user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`lead_activities\` add constraint \`lead_activities_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`lead_activities\` add constraint \`lead_activities_lead_id_foreign\` foreign key (\`lead_id\`) references \`leads\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`lead_activities\` add constraint \`lead_activities_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`invitations\` add constraint \`invitations_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`invitations\` add constraint \`invitations_invited_by_id_foreign\` foreign key (\`invited_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`contact_groups\` add constraint \`contact_groups_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`contact_groups\` add constraint \`contact_groups_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`contact_fields\` add constraint \`contact_fields_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`contact_fields\` add constraint \`contact_fields_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`contacts\` add constraint \`contacts_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`contacts\` add constraint \`contacts_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`tickets\` add constraint \`tickets_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`tickets\` add constraint \`tickets_category_id_foreign\` foreign key (\`category_id\`) references \`ticket_categories\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`tickets\` add constraint \`tickets_contact_id_foreign\` foreign key (\`contact_id\`) references \`contacts\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`tickets\` add constraint \`tickets_assigned_to_id_foreign\` foreign key (\`assigned_to_id\`) references \`users\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`tickets\` add constraint \`tickets_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`ticket_comments\` add constraint \`ticket_comments_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`ticket_comments\` add constraint \`ticket_comments_ticket_id_foreign\` foreign key (\`ticket_id\`) references \`tickets\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`ticket_comments\` add constraint \`ticket_comments_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`contact_contact_group\` add constraint \`contact_contact_group_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`contact_contact_group\` add constraint \`contact_contact_group_contact_id_foreign\` foreign key (\`contact_id\`) references \`contacts\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`contact_contact_group\` add constraint \`contact_contact_group_group_id_foreign\` foreign key (\`group_id\`) references \`contact_groups\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`calls\` add constraint \`calls_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`calls\` add constraint \`calls_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`calls\` add constraint \`calls_disposition_id_foreign\` foreign key (\`disposition_id\`) references \`call_dispositions\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`pbx_events\` add constraint \`pbx_events_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`pbx_events\` add constraint \`pbx_events_call_id_foreign\` foreign key (\`call_id\`) references \`calls\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`auto_replies\` add constraint \`auto_replies_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`auto_replies\` add constraint \`auto_replies_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`authentication_events\` add constraint \`authentication_events_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`authentication_events\` add constraint \`authentication_events_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`audit_logs\` add constraint \`audit_logs_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`audit_logs\` add constraint \`audit_logs_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`api_keys\` add constraint \`api_keys_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`api_keys\` add constraint \`api_keys_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`agent_sip_credentials\` add constraint \`agent_sip_credentials_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`agent_sip_credentials\` add constraint \`agent_sip_credentials_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`user_sessions\` add constraint \`user_sessions_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`user_sessions\` add constraint \`user_sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`whatsapp_channels\` add constraint \`whatsapp_channels_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);

    this.addSql(`alter table \`conversations\` add constraint \`conversations_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`conversations\` add constraint \`conversations_channel_id_foreign\` foreign key (\`channel_id\`) references \`whatsapp_channels\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`conversations\` add constraint \`conversations_contact_id_foreign\` foreign key (\`contact_id\`) references \`contacts\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`conversations\` add constraint \`conversations_assignee_id_foreign\` foreign key (\`assignee_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`campaigns\` add constraint \`campaigns_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`campaigns\` add constraint \`campaigns_channel_id_foreign\` foreign key (\`channel_id\`) references \`whatsapp_channels\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`campaigns\` add constraint \`campaigns_template_id_foreign\` foreign key (\`template_id\`) references \`templates\` (\`id\`) on delete restrict;`);
    this.addSql(`alter table \`campaigns\` add constraint \`campaigns_contact_group_id_foreign\` foreign key (\`contact_group_id\`) references \`contact_groups\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`campaigns\` add constraint \`campaigns_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`chats\` add constraint \`chats_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chats\` add constraint \`chats_conversation_id_foreign\` foreign key (\`conversation_id\`) references \`conversations\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chats\` add constraint \`chats_contact_id_foreign\` foreign key (\`contact_id\`) references \`contacts\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chats\` add constraint \`chats_media_id_foreign\` foreign key (\`media_id\`) references \`chat_media\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`chats\` add constraint \`chats_campaign_id_foreign\` foreign key (\`campaign_id\`) references \`campaigns\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`chats\` add constraint \`chats_sent_by_id_foreign\` foreign key (\`sent_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`chat_tickets\` add constraint \`chat_tickets_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_tickets\` add constraint \`chat_tickets_conversation_id_foreign\` foreign key (\`conversation_id\`) references \`conversations\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_tickets\` add constraint \`chat_tickets_chat_id_foreign\` foreign key (\`chat_id\`) references \`chats\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`chat_tickets\` add constraint \`chat_tickets_ticket_id_foreign\` foreign key (\`ticket_id\`) references \`tickets\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_tickets\` add constraint \`chat_tickets_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`chat_ticket_logs\` add constraint \`chat_ticket_logs_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_ticket_logs\` add constraint \`chat_ticket_logs_chat_ticket_id_foreign\` foreign key (\`chat_ticket_id\`) references \`chat_tickets\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_ticket_logs\` add constraint \`chat_ticket_logs_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`chat_notes\` add constraint \`chat_notes_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_notes\` add constraint \`chat_notes_conversation_id_foreign\` foreign key (\`conversation_id\`) references \`conversations\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`chat_notes\` add constraint \`chat_notes_chat_id_foreign\` foreign key (\`chat_id\`) references \`chats\` (\`id\`) on delete set null;`);
    this.addSql(`alter table \`chat_notes\` add constraint \`chat_notes_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`campaign_logs\` add constraint \`campaign_logs_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`campaign_logs\` add constraint \`campaign_logs_campaign_id_foreign\` foreign key (\`campaign_id\`) references \`campaigns\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`campaign_logs\` add constraint \`campaign_logs_contact_id_foreign\` foreign key (\`contact_id\`) references \`contacts\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`campaign_logs\` add constraint \`campaign_logs_chat_id_foreign\` foreign key (\`chat_id\`) references \`chats\` (\`id\`) on delete set null;`);

    this.addSql(`alter table \`campaign_log_retries\` add constraint \`campaign_log_retries_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade;`);
    this.addSql(`alter table \`campaign_log_retries\` add constraint \`campaign_log_retries_campaign_log_id_foreign\` foreign key (\`campaign_log_id\`) references \`campaign_logs\` (\`id\`) on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`presence_reasons\` drop foreign key \`presence_reasons_tenant_id_foreign\`;`);
    this.addSql(`alter table \`permissions\` drop foreign key \`permissions_tenant_id_foreign\`;`);
    this.addSql(`alter table \`lead_statuses\` drop foreign key \`lead_statuses_tenant_id_foreign\`;`);
    this.addSql(`alter table \`chat_media\` drop foreign key \`chat_media_tenant_id_foreign\`;`);
    this.addSql(`alter table \`call_dispositions\` drop foreign key \`call_dispositions_tenant_id_foreign\`;`);
    this.addSql(`alter table \`ticket_categories\` drop foreign key \`ticket_categories_tenant_id_foreign\`;`);
    this.addSql(`alter table \`users\` drop foreign key \`users_tenant_id_foreign\`;`);
    this.addSql(`alter table \`templates\` drop foreign key \`templates_tenant_id_foreign\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop foreign key \`refresh_tokens_tenant_id_foreign\`;`);
    this.addSql(`alter table \`rate_limit_violations\` drop foreign key \`rate_limit_violations_tenant_id_foreign\`;`);
    this.addSql(`alter table \`presence_tracking\` drop foreign key \`presence_tracking_tenant_id_foreign\`;`);
    this.addSql(`alter table \`presence_events\` drop foreign key \`presence_events_tenant_id_foreign\`;`);
    this.addSql(`alter table \`notifications\` drop foreign key \`notifications_tenant_id_foreign\`;`);
    this.addSql(`alter table \`leads\` drop foreign key \`leads_tenant_id_foreign\`;`);
    this.addSql(`alter table \`lead_activities\` drop foreign key \`lead_activities_tenant_id_foreign\`;`);
    this.addSql(`alter table \`invitations\` drop foreign key \`invitations_tenant_id_foreign\`;`);
    this.addSql(`alter table \`contact_groups\` drop foreign key \`contact_groups_tenant_id_foreign\`;`);
    this.addSql(`alter table \`contact_fields\` drop foreign key \`contact_fields_tenant_id_foreign\`;`);
    this.addSql(`alter table \`contacts\` drop foreign key \`contacts_tenant_id_foreign\`;`);
    this.addSql(`alter table \`tickets\` drop foreign key \`tickets_tenant_id_foreign\`;`);
    this.addSql(`alter table \`ticket_comments\` drop foreign key \`ticket_comments_tenant_id_foreign\`;`);
    this.addSql(`alter table \`contact_contact_group\` drop foreign key \`contact_contact_group_tenant_id_foreign\`;`);
    this.addSql(`alter table \`calls\` drop foreign key \`calls_tenant_id_foreign\`;`);
    this.addSql(`alter table \`pbx_events\` drop foreign key \`pbx_events_tenant_id_foreign\`;`);
    this.addSql(`alter table \`auto_replies\` drop foreign key \`auto_replies_tenant_id_foreign\`;`);
    this.addSql(`alter table \`authentication_events\` drop foreign key \`authentication_events_tenant_id_foreign\`;`);
    this.addSql(`alter table \`audit_logs\` drop foreign key \`audit_logs_tenant_id_foreign\`;`);
    this.addSql(`alter table \`api_keys\` drop foreign key \`api_keys_tenant_id_foreign\`;`);
    this.addSql(`alter table \`agent_sip_credentials\` drop foreign key \`agent_sip_credentials_tenant_id_foreign\`;`);
    this.addSql(`alter table \`user_sessions\` drop foreign key \`user_sessions_tenant_id_foreign\`;`);
    this.addSql(`alter table \`whatsapp_channels\` drop foreign key \`whatsapp_channels_tenant_id_foreign\`;`);
    this.addSql(`alter table \`conversations\` drop foreign key \`conversations_tenant_id_foreign\`;`);
    this.addSql(`alter table \`campaigns\` drop foreign key \`campaigns_tenant_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_tenant_id_foreign\`;`);
    this.addSql(`alter table \`chat_tickets\` drop foreign key \`chat_tickets_tenant_id_foreign\`;`);
    this.addSql(`alter table \`chat_ticket_logs\` drop foreign key \`chat_ticket_logs_tenant_id_foreign\`;`);
    this.addSql(`alter table \`chat_notes\` drop foreign key \`chat_notes_tenant_id_foreign\`;`);
    this.addSql(`alter table \`campaign_logs\` drop foreign key \`campaign_logs_tenant_id_foreign\`;`);
    this.addSql(`alter table \`campaign_log_retries\` drop foreign key \`campaign_log_retries_tenant_id_foreign\`;`);
    this.addSql(`alter table \`presence_events\` drop foreign key \`presence_events_reason_id_foreign\`;`);
    this.addSql(`alter table \`leads\` drop foreign key \`leads_lead_status_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_media_id_foreign\`;`);
    this.addSql(`alter table \`calls\` drop foreign key \`calls_disposition_id_foreign\`;`);
    this.addSql(`alter table \`tickets\` drop foreign key \`tickets_category_id_foreign\`;`);
    this.addSql(`alter table \`templates\` drop foreign key \`templates_created_by_id_foreign\`;`);
    this.addSql(`alter table \`refresh_tokens\` drop foreign key \`refresh_tokens_user_id_foreign\`;`);
    this.addSql(`alter table \`rate_limit_violations\` drop foreign key \`rate_limit_violations_user_id_foreign\`;`);
    this.addSql(`alter table \`presence_tracking\` drop foreign key \`presence_tracking_user_id_foreign\`;`);
    this.addSql(`alter table \`presence_events\` drop foreign key \`presence_events_user_id_foreign\`;`);
    this.addSql(`alter table \`notifications\` drop foreign key \`notifications_user_id_foreign\`;`);
    this.addSql(`alter table \`leads\` drop foreign key \`leads_assigned_to_user_id_foreign\`;`);
    this.addSql(`alter table \`leads\` drop foreign key \`leads_created_by_user_id_foreign\`;`);
    this.addSql(`alter table \`lead_activities\` drop foreign key \`lead_activities_user_id_foreign\`;`);
    this.addSql(`alter table \`invitations\` drop foreign key \`invitations_invited_by_id_foreign\`;`);
    this.addSql(`alter table \`contact_groups\` drop foreign key \`contact_groups_created_by_id_foreign\`;`);
    this.addSql(`alter table \`contact_fields\` drop foreign key \`contact_fields_created_by_id_foreign\`;`);
    this.addSql(`alter table \`contacts\` drop foreign key \`contacts_created_by_id_foreign\`;`);
    this.addSql(`alter table \`tickets\` drop foreign key \`tickets_assigned_to_id_foreign\`;`);
    this.addSql(`alter table \`tickets\` drop foreign key \`tickets_created_by_id_foreign\`;`);
    this.addSql(`alter table \`ticket_comments\` drop foreign key \`ticket_comments_user_id_foreign\`;`);
    this.addSql(`alter table \`calls\` drop foreign key \`calls_user_id_foreign\`;`);
    this.addSql(`alter table \`auto_replies\` drop foreign key \`auto_replies_created_by_id_foreign\`;`);
    this.addSql(`alter table \`authentication_events\` drop foreign key \`authentication_events_user_id_foreign\`;`);
    this.addSql(`alter table \`audit_logs\` drop foreign key \`audit_logs_user_id_foreign\`;`);
    this.addSql(`alter table \`api_keys\` drop foreign key \`api_keys_created_by_id_foreign\`;`);
    this.addSql(`alter table \`agent_sip_credentials\` drop foreign key \`agent_sip_credentials_user_id_foreign\`;`);
    this.addSql(`alter table \`user_sessions\` drop foreign key \`user_sessions_user_id_foreign\`;`);
    this.addSql(`alter table \`conversations\` drop foreign key \`conversations_assignee_id_foreign\`;`);
    this.addSql(`alter table \`campaigns\` drop foreign key \`campaigns_created_by_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_sent_by_id_foreign\`;`);
    this.addSql(`alter table \`chat_tickets\` drop foreign key \`chat_tickets_created_by_id_foreign\`;`);
    this.addSql(`alter table \`chat_ticket_logs\` drop foreign key \`chat_ticket_logs_user_id_foreign\`;`);
    this.addSql(`alter table \`chat_notes\` drop foreign key \`chat_notes_user_id_foreign\`;`);
    this.addSql(`alter table \`campaigns\` drop foreign key \`campaigns_template_id_foreign\`;`);
    this.addSql(`alter table \`lead_activities\` drop foreign key \`lead_activities_lead_id_foreign\`;`);
    this.addSql(`alter table \`contact_contact_group\` drop foreign key \`contact_contact_group_group_id_foreign\`;`);
    this.addSql(`alter table \`campaigns\` drop foreign key \`campaigns_contact_group_id_foreign\`;`);
    this.addSql(`alter table \`tickets\` drop foreign key \`tickets_contact_id_foreign\`;`);
    this.addSql(`alter table \`contact_contact_group\` drop foreign key \`contact_contact_group_contact_id_foreign\`;`);
    this.addSql(`alter table \`conversations\` drop foreign key \`conversations_contact_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_contact_id_foreign\`;`);
    this.addSql(`alter table \`campaign_logs\` drop foreign key \`campaign_logs_contact_id_foreign\`;`);
    this.addSql(`alter table \`ticket_comments\` drop foreign key \`ticket_comments_ticket_id_foreign\`;`);
    this.addSql(`alter table \`chat_tickets\` drop foreign key \`chat_tickets_ticket_id_foreign\`;`);
    this.addSql(`alter table \`pbx_events\` drop foreign key \`pbx_events_call_id_foreign\`;`);
    this.addSql(`alter table \`conversations\` drop foreign key \`conversations_channel_id_foreign\`;`);
    this.addSql(`alter table \`campaigns\` drop foreign key \`campaigns_channel_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_conversation_id_foreign\`;`);
    this.addSql(`alter table \`chat_tickets\` drop foreign key \`chat_tickets_conversation_id_foreign\`;`);
    this.addSql(`alter table \`chat_notes\` drop foreign key \`chat_notes_conversation_id_foreign\`;`);
    this.addSql(`alter table \`chats\` drop foreign key \`chats_campaign_id_foreign\`;`);
    this.addSql(`alter table \`campaign_logs\` drop foreign key \`campaign_logs_campaign_id_foreign\`;`);
    this.addSql(`alter table \`chat_tickets\` drop foreign key \`chat_tickets_chat_id_foreign\`;`);
    this.addSql(`alter table \`chat_notes\` drop foreign key \`chat_notes_chat_id_foreign\`;`);
    this.addSql(`alter table \`campaign_logs\` drop foreign key \`campaign_logs_chat_id_foreign\`;`);
    this.addSql(`alter table \`chat_ticket_logs\` drop foreign key \`chat_ticket_logs_chat_ticket_id_foreign\`;`);
    this.addSql(`alter table \`campaign_log_retries\` drop foreign key \`campaign_log_retries_campaign_log_id_foreign\`;`);

    this.addSql(`drop table if exists \`tenants\`;`);
    this.addSql(`drop table if exists \`presence_reasons\`;`);
    this.addSql(`drop table if exists \`permissions\`;`);
    this.addSql(`drop table if exists \`lead_statuses\`;`);
    this.addSql(`drop table if exists \`chat_media\`;`);
    this.addSql(`drop table if exists \`call_dispositions\`;`);
    this.addSql(`drop table if exists \`ticket_categories\`;`);
    this.addSql(`drop table if exists \`users\`;`);
    this.addSql(`drop table if exists \`templates\`;`);
    this.addSql(`drop table if exists \`refresh_tokens\`;`);
    this.addSql(`drop table if exists \`rate_limit_violations\`;`);
    this.addSql(`drop table if exists \`presence_tracking\`;`);
    this.addSql(`drop table if exists \`presence_events\`;`);
    this.addSql(`drop table if exists \`notifications\`;`);
    this.addSql(`drop table if exists \`leads\`;`);
    this.addSql(`drop table if exists \`lead_activities\`;`);
    this.addSql(`drop table if exists \`invitations\`;`);
    this.addSql(`drop table if exists \`contact_groups\`;`);
    this.addSql(`drop table if exists \`contact_fields\`;`);
    this.addSql(`drop table if exists \`contacts\`;`);
    this.addSql(`drop table if exists \`tickets\`;`);
    this.addSql(`drop table if exists \`ticket_comments\`;`);
    this.addSql(`drop table if exists \`contact_contact_group\`;`);
    this.addSql(`drop table if exists \`calls\`;`);
    this.addSql(`drop table if exists \`pbx_events\`;`);
    this.addSql(`drop table if exists \`auto_replies\`;`);
    this.addSql(`drop table if exists \`authentication_events\`;`);
    this.addSql(`drop table if exists \`audit_logs\`;`);
    this.addSql(`drop table if exists \`api_keys\`;`);
    this.addSql(`drop table if exists \`agent_sip_credentials\`;`);
    this.addSql(`drop table if exists \`user_sessions\`;`);
    this.addSql(`drop table if exists \`whatsapp_channels\`;`);
    this.addSql(`drop table if exists \`conversations\`;`);
    this.addSql(`drop table if exists \`campaigns\`;`);
    this.addSql(`drop table if exists \`chats\`;`);
    this.addSql(`drop table if exists \`chat_tickets\`;`);
    this.addSql(`drop table if exists \`chat_ticket_logs\`;`);
    this.addSql(`drop table if exists \`chat_notes\`;`);
    this.addSql(`drop table if exists \`campaign_logs\`;`);
    this.addSql(`drop table if exists \`campaign_log_retries\`;`);
  }

}
