/*
 * herald's send protocol for one message, as Spin sees it: the Redis
 * functions (queue/lua/worker.lua, queue/lua/lease.lua) are atomic steps,
 * the workers (queue/worker.cpp, queue/lease_keeper.cpp, the transports'
 * final-dot check) take one step at a time, and at every step a worker may
 * crash, stall or lose Redis, Redis may pause, and a lease may lapse when
 * the protocol allows it.
 *
 * Covered steps: read (XREADGROUP), reclaim (herald_reclaim, also of a
 * worker's own entry), claim (herald_claim: done marker, lease holder),
 * renew (herald_renew), the commit of the local lease before the final
 * dot, the dot handed to the connection and the peer's acceptance as two
 * steps, a drain that releases what is not committed, settle (herald_settle:
 * D, and the fenced U of a worker that gave up), and the service clock, as
 * the rule for when a lease may lapse.
 *
 * Not covered: retries and dead letters (a retry re-enters by promote as
 * a new entry and meets the same claim; the model has one entry), several
 * messages (leases are per message), liveness (that every message is
 * eventually sent: the process tests check it).
 *
 * Property: the peer is handed the message a second time only if a worker
 * failed (crashed; or stalled or lost Redis for longer than its lease)
 * after it committed the send and before its delivered marker was written.
 *
 *   spin -a [-DOLD] [-DWORKERS=3] send_lease.pml && gcc -O2 -o pan pan.c && ./pan -a
 *
 * With -DOLD the model is herald before issue 15: no renewal (a lease
 * lapses whenever its time is up, slow peer or not) and no check before
 * the final dot. Spin must find the second send there, and also with
 * only one part of the fix taken away: -DNO_CHECK (renewal, no check
 * before the dot), -DWALL_CLOCK (leases lapse while Redis is paused) and
 * -DDRAIN_ANYWAY (a draining worker releases a committed send).
 * tests/queue/model_test.sh runs all of them.
 */

#ifndef WORKERS
#define WORKERS 2
#endif

#ifdef OLD
#define RENEWS 0
#define CHECKS_LEASE 0
/* Without renewal a lease is only as long as its time: any send can outlast it. */
#define MAY_LAPSE(h) true
#else
#define RENEWS 1
/* -DNO_CHECK: renewal, but no check before the final dot. */
#ifdef NO_CHECK
#define CHECKS_LEASE 0
#else
#define CHECKS_LEASE 1
#endif
/* A live worker that reaches Redis renews in time (the config check), and
 * time Redis did not serve does not count (the service clock): a lease
 * lapses only when its holder crashed, stalled or lost Redis.
 * -DWALL_CLOCK: leases on Redis's wall clock, which runs on while Redis
 * is paused. */
#ifdef WALL_CLOCK
#define MAY_LAPSE(h) (!alive[h] || failed[h] || !redis_up)
#else
#define MAY_LAPSE(h) (!alive[h] || failed[h])
#endif
#endif

/* A worker's place in the send of the message. */
#define IDLE      0
#define CLAIMING  1  /* read or reclaimed the entry; herald_claim next */
#define RELEASING 2  /* gave up (commit refused, or drained); a fenced U next */
#define LEASED    3  /* holds the lease; the commit and the final dot next */
#define COMMITTED 4  /* committed: the dot goes to the connection next */
#define ACCEPTED  5  /* the peer accepted; the delivered marker next */

/* A draining worker releases only what is not committed. */
#define DRAINABLE(w) (pc[w] == LEASED)

/* Redis */
bool redis_up = true;
bool entry = true;      /* in the ingress stream, pending or not */
byte owner = 0;         /* consumer the pending entry belongs to; 0 = unread */
byte holder = 0;        /* send lease holder; 0 = none */
bool lapsed = false;    /* the lease's time is up on the service clock */
bool done = false;      /* delivered marker */

/* Workers, 1..WORKERS */
byte pc[WORKERS + 1];
bool alive[WORKERS + 1];
bool failed[WORKERS + 1];  /* stalled, or cut off from Redis: not renewing */
bool valid[WORKERS + 1];   /* its own view: the lease is still held */
bool excused_by[WORKERS + 1];

/* Ghosts */
byte handed = 0;   /* times the peer accepted the message */
byte excused = 0;  /* workers that failed between acceptance and marker */

inline excuse(w) {
    if
    :: pc[w] >= COMMITTED && !excused_by[w] -> excused_by[w] = true; excused++
    :: else -> skip
    fi
}

/* A Redis call of worker w can run. */
#define CALLS(w) (redis_up && !failed[w])

proctype worker(byte me) {
    do
    :: pc[me] == IDLE && CALLS(me) && entry && owner == 0 ->
        atomic { owner = me; pc[me] = CLAIMING }                       /* XREADGROUP */
    :: pc[me] == IDLE && CALLS(me) && entry && owner != 0 &&
       (holder == 0 || holder == me || lapsed || !RENEWS) ->
        atomic { owner = me; pc[me] = CLAIMING }                       /* reclaim */
    :: pc[me] == CLAIMING && CALLS(me) ->                               /* herald_claim */
        atomic {
            if
            :: done -> entry = false; pc[me] = IDLE                    /* ack, never send */
            :: !done && holder != 0 && holder != me && !lapsed -> pc[me] = IDLE   /* busy */
            :: else -> holder = me; lapsed = false; valid[me] = true; pc[me] = LEASED
            fi
        }
    :: pc[me] == LEASED ->                                              /* commit */
        atomic {
            if
            :: CHECKS_LEASE && !valid[me] -> pc[me] = RELEASING        /* lease_lost */
            :: else -> pc[me] = COMMITTED
            fi
        }
    :: pc[me] == COMMITTED -> atomic { handed++; pc[me] = ACCEPTED }   /* the dot; the peer accepts */
    :: DRAINABLE(me) -> pc[me] = RELEASING                              /* SIGTERM: drain */
#ifdef DRAIN_ANYWAY
    /* The drain releases a committed send too: its coroutine still hands
     * over the dot, but its lease is gone and its outcome is dropped. */
    :: (pc[me] == COMMITTED || pc[me] == ACCEPTED) && CALLS(me) ->
        atomic {
            if :: pc[me] == COMMITTED -> handed++ :: else -> skip fi;
            if :: holder == me -> holder = 0 :: else -> skip fi;
            pc[me] = IDLE
        }
#endif
    :: pc[me] == RELEASING && CALLS(me) ->                              /* settle U, fenced */
        atomic { if :: holder == me -> holder = 0 :: else -> skip fi; pc[me] = IDLE }
    :: pc[me] == ACCEPTED && CALLS(me) ->                               /* settle D */
        atomic { done = true; entry = false; holder = 0; pc[me] = IDLE }  /* ends any lease */
    :: RENEWS && pc[me] >= LEASED && CALLS(me) ->                       /* herald_renew */
        atomic {
            if
            :: holder == me -> lapsed = false; valid[me] = true
            :: else -> valid[me] = false                               /* lost */
            fi
        }
    :: !failed[me] -> failed[me] = true                                 /* stall or partition */
    :: failed[me] -> failed[me] = false                                 /* wakes, reconnects */
    :: atomic { excuse(me); alive[me] = false }; break                  /* crash */
    od
}

/* Time: a lease lapses when the protocol lets it; the holder's own view
 * lapses no later (its deadline counts from before Redis set the lease). */
active proctype lease_time() {
    do
    :: atomic {
           holder != 0 && !lapsed && MAY_LAPSE(holder) ->
           lapsed = true; valid[holder] = false;
           if :: !alive[holder] || failed[holder] -> excuse(holder) :: else -> skip fi
       }
    od
}

/* Redis pauses (CLIENT PAUSE, DEBUG SLEEP, a restart with its data) and comes back. */
active proctype redis() {
    do
    :: redis_up = false
    :: redis_up = true
    od
}

init {
    byte w = 1;
    atomic {
        do
        :: w <= WORKERS -> alive[w] = true; run worker(w); w++
        :: else -> break
        od
    }
}

ltl never_twice { [] (handed <= 1 + excused) }
