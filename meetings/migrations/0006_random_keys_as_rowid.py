"""Random keys become SQLite's rowid; receipts are kept only for ballot ids replaced since.

On SQLite a `bigint` primary key is not the rowid, so rows also had a hidden rowid counting
in the order they arrived. Receipt rows of the ballots that count repeat what the ballot
carries: they go (meetings.ballots stores a receipt row when a ballot is replaced).
"""

import django.db.models.deletion
import meetings.models.core
from django.db import migrations, models


def drop_repeated_receipts(apps, schema_editor):
    Ballot = apps.get_model("meetings", "Ballot")
    BallotReceipt = apps.get_model("meetings", "BallotReceipt")
    BallotReceipt.objects.filter(
        ballot_id__in=Ballot.objects.order_by().values("ballot_id")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_audit_and_anonymity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ballot",
            name="id",
            field=meetings.models.core.RandomKeyField(serialize=False),
        ),
        migrations.AlterField(
            model_name="ballot",
            name="seat",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ballots",
                to="meetings.seat",
            ),
        ),
        migrations.AlterField(
            model_name="ballotreceipt",
            name="id",
            field=meetings.models.core.RandomKeyField(serialize=False),
        ),
        migrations.AlterField(
            model_name="ballotreceipt",
            name="seat",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="meetings.seat",
            ),
        ),
        migrations.RunPython(drop_repeated_receipts, migrations.RunPython.noop),
    ]
