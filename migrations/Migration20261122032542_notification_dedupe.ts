import { Migration } from '@mikro-orm/migrations';

export class Migration20261122032542_notification_dedupe extends Migration {

  override name = 'Migration20261122032542_notification_dedupe';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`notifications\` add \`dedupe_key\` varchar(191) null;`);
    this.addSql(`alter table \`notifications\` add unique \`notifications_tenant_dedupe_unique\` (\`tenant_id\`, \`dedupe_key\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`notifications\` drop index \`notifications_tenant_dedupe_unique\`;`);
    this.addSql(`alter table \`notifications\` drop column \`dedupe_key\`;`);
  }

}
