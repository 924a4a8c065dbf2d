//! `gardu demo`: a short tour of the core on the configured store.

use std::process::ExitCode;

use chrono::{Duration, SubsecRound};

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::domain::FeeFlags;
use crate::domain::tariff::parking_fee;
use crate::domain::ticket::{self, TicketClaims};

/// Migrates, issues and verifies a ticket, shows a tampered code refused, and quotes fees.
pub fn run(ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let info = store.schema_info()?;
    let site = &ctx.config.site.code;
    let tz = ctx.config.timezone();
    println!("Gardu {} — site {site}, booth {}", super::LONG_VERSION, ctx.config.booth.code);
    println!("1. Database: {} schema version {} ({})", info.backend, info.version, ctx.config.database.url);

    let secret = ctx.secret(store.as_ref())?;
    let now = SystemClock.now().trunc_subsecs(0);
    let classes = store.vehicle_classes()?;
    let Some(class) = classes.iter().find(|c| c.code.as_str() == "MBL").or(classes.first()) else {
        anyhow::bail!("no vehicle classes are set up; run `gardu db migrate`");
    };
    let booth = ctx.config.booth.code.clone();
    let sequence = store.next_ticket_sequence(site, &booth, now.with_timezone(&tz).date_naive())?;
    let claims =
        TicketClaims { site: site.clone(), booth, sequence, entry_time: now, class: class.code.clone() };
    let code = ticket::encode(&claims, secret.bytes())?;
    println!("2. Ticket {} issued, class {} — code {code}", claims.ticket_number(tz), class.name_id);

    let verified = ticket::decode(&code, secret.bytes(), site)?;
    println!(
        "3. Verified offline: entered {} at booth {}",
        verified.entry_time.with_timezone(&tz).format("%d/%m/%Y %H:%M"),
        verified.booth
    );
    let mut tampered = code.clone();
    let last = tampered.pop().map(|c| if c == '0' { '1' } else { '0' }).unwrap_or('0');
    tampered.push(last);
    match ticket::decode(&tampered, secret.bytes(), site) {
        Ok(_) => anyhow::bail!("a tampered code verified: the site secret is broken"),
        Err(err) => println!("4. One character changed → refused: {err}"),
    }

    println!("5. Fees by the tariff in force now:");
    let stays = [(3, "3 min"), (60, "1 h"), (150, "2 h 30"), (600, "10 h"), (1_500, "25 h")];
    print!("   {:<10}", "");
    for (_, label) in stays {
        print!("{label:>12}");
    }
    println!();
    for class in &classes {
        let Some(tariff) = store.tariff_at(site, &class.code, now)? else { continue };
        print!("   {:<10}", class.name_id);
        for (minutes, _) in stays {
            let fee = parking_fee(&tariff, now - Duration::minutes(minutes), now, FeeFlags::default());
            print!("{:>12}", fee.total.to_string());
        }
        println!();
    }
    println!("Next: `gardu --help` lists every command; config.toml.example documents every setting.");
    Ok(ExitCode::SUCCESS)
}
