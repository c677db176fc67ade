import { Migration } from '@mikro-orm/migrations';

export class Migration20261202175500_contacts_last_name_index extends Migration {

  override name = 'Migration20261202175500_contacts_last_name_index';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`contacts\` add index \`contacts_tenant_last_name_idx\` (\`tenant_id\`, \`last_name\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`contacts\` drop index \`contacts_tenant_last_name_idx\`;`);
  }

}
