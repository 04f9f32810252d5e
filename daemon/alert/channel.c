/*
 * channel.c: the table of delivery channels (channel.h).  Adding a channel
 * means adding one file that defines a struct channel and one row here;
 * nothing else looks at a channel's id.
 */
#include "alert/channel.h"

#include "lib/macro.h"

extern const struct channel channel_email;
extern const struct channel channel_webhook;

static const struct channel *const channels[] = {
	&channel_email,
	&channel_webhook,
};

_Static_assert(ELEMENTSOF(channels) == CHANNEL_MAX,
	       "CHANNEL_MAX counts the rows of the table");

const struct channel *channel_find(enum store_channel id)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(channels); i++)
		if (channels[i]->id == id)
			return channels[i];
	return NULL;
}

const struct channel *channel_at(size_t i)
{
	return i < ELEMENTSOF(channels) ? channels[i] : NULL;
}

const char *channel_route(const struct channel *ch, const struct config *c,
			  const struct config_subscriber *sub)
{
	const char *target = ch->target(c, sub);

	return target && ch->ready(c) ? target : NULL;
}
