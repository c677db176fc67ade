import { Migration } from '@mikro-orm/migrations';

export class Migration20261122051620_lead_status_counts extends Migration {

  override name = 'Migration20261122051620_lead_status_counts';

  override up(): void | Promise<void> {
    this.addSql(`create table \`lead_status_counts\` (\`tenant_id\` bigint unsigned not null, \`lead_status_id\` bigint unsigned not null, \`n\` int not null default 0, primary key (\`tenant_id\`, \`lead_status_id\`)) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`lead_status_counts\` add index \`lead_status_counts_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`lead_status_counts\` add index \`lead_status_counts_lead_status_id_index\` (\`lead_status_id\`);`);

    this.addSql(`alter table \`leads\` add index \`leads_tenant_assigned_status_idx\` (\`tenant_id\`, \`assigned_to_user_id\`, \`lead_status_id\`, \`id\`);`);

    this.addSql(`alter table \`lead_status_counts\` add constraint \`lead_status_counts_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`lead_status_counts\` add constraint \`lead_status_counts_lead_status_id_foreign\` foreign key (\`lead_status_id\`) references \`lead_statuses\` (\`id\`) on update cascade on delete cascade;`);

    // Backfill: one row per existing status (0 for an empty one) with the leads it holds now.
    this.addSql(`insert into \`lead_status_counts\` (\`tenant_id\`, \`lead_status_id\`, \`n\`) select s.\`tenant_id\`, s.\`id\`, count(l.\`id\`) from \`lead_statuses\` s left join \`leads\` l on l.\`tenant_id\` = s.\`tenant_id\` and l.\`lead_status_id\` = s.\`id\` group by s.\`tenant_id\`, s.\`id\`;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`lead_status_counts\`;`);

    this.addSql(`alter table \`leads\` drop index \`leads_tenant_assigned_status_idx\`;`);
  }

}
