import { Migration } from '@mikro-orm/migrations';

export class Migration20261122070052_exact_call_ids_open_presence extends Migration {

  override name = 'Migration20261122070052_exact_call_ids_open_presence';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`presence_events\` add index \`presence_events_tenant_user_open_idx\` (\`tenant_id\`, \`user_id\`, \`ended_at\`);`);

    this.addSql(`alter table \`calls\` modify \`pbx_call_id\` varchar(255) collate utf8mb4_bin null;`);
    this.addSql(`alter table \`calls\` modify \`sip_call_id\` varchar(255) collate utf8mb4_bin null;`);
    this.addSql(`alter table \`calls\` modify \`console_call_id\` varchar(64) collate utf8mb4_bin null;`);

    this.addSql(`alter table \`pbx_events\` modify \`pbx_call_id\` varchar(255) collate utf8mb4_bin not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`calls\` modify \`pbx_call_id\` varchar(255) null;`);
    this.addSql(`alter table \`calls\` modify \`sip_call_id\` varchar(255) null;`);
    this.addSql(`alter table \`calls\` modify \`console_call_id\` varchar(64) null;`);

    this.addSql(`alter table \`pbx_events\` modify \`pbx_call_id\` varchar(255) not null;`);

    this.addSql(`alter table \`presence_events\` drop index \`presence_events_tenant_user_open_idx\`;`);
  }

}
