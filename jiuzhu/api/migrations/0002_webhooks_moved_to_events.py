# The webhook models now belong to the events app (events 0001 took them over in Django's state); the tables
# stay where they are, so nothing is dropped here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('jiuzhu_api', '0001_initial'),
        ('events', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='WebhookDelivery'),
                migrations.DeleteModel(name='WebhookSubscription'),
            ],
            database_operations=[],
        ),
    ]
