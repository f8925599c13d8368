/** Offers as real user agents send them (line endings normalised to CRLF by `crlf`). */
export const crlf = (s: string): string => s.trim().replace(/\r?\n/g, '\r\n') + '\r\n';

/** SIPp's built-in uac scenario. */
export const SIPP_UAC = crlf(`
v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
`);

/** SIPp uac_pcap scenario (PCMA with DTMF). */
export const SIPP_PCAP = crlf(`
v=0
o=user1 53655765 2353687637 IN IP4 10.0.0.5
s=-
c=IN IP4 10.0.0.5
t=0 0
m=audio 6002 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-11,16
`);

/** baresip 1.x with opus first. */
export const BARESIP = crlf(`
v=0
o=- 1623914917 1623914917 IN IP4 192.168.1.20
s=-
c=IN IP4 192.168.1.20
t=0 0
m=audio 10438 RTP/AVP 96 97 9 0 8 101
b=AS:128
a=rtpmap:96 opus/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:97 G7221/16000
a=fmtp:97 bitrate=32000
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=ssrc:1902291733 cname:6c0a7b8a-3d4d-4e3b-a2b4-7d8f6b3fd9b2
a=rtcp-rsize
a=ptime:20
`);

/** Linphone: several telephone-event clock rates, video, RTCP-XR, a=rtcp. */
export const LINPHONE = crlf(`
v=0
o=alice 3008 1282 IN IP4 192.168.0.10
s=Talk
c=IN IP4 192.168.0.10
t=0 0
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100
a=rtpmap:96 opus/48000/2
a=fmtp:96 useinbandfec=1
a=rtpmap:97 speex/16000
a=fmtp:97 vbr=on
a=rtpmap:98 speex/8000
a=fmtp:98 vbr=on
a=fmtp:18 annexb=yes
a=rtpmap:101 telephone-event/48000
a=rtpmap:99 telephone-event/16000
a=rtpmap:100 telephone-event/8000
a=rtcp:7082
a=rtcp-fb:* trr-int 1000
a=rtcp-fb:* ccm tmmbr
m=video 9078 RTP/AVP 96
a=rtpmap:96 VP8/90000
a=rtcp-fb:* trr-int 1000
`);

/** An Asterisk/carrier trunk preferring A-law, with ptime 30 and maxptime. */
export const TRUNK_PCMA_FIRST = crlf(`
v=0
o=- 4028 4028 IN IP4 203.0.113.9
s=Asterisk
c=IN IP4 203.0.113.9
t=0 0
m=audio 14780 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:30
a=maxptime:150
a=sendrecv
`);

export const PCMA_ONLY = crlf(`
v=0
o=- 1 1 IN IP4 198.51.100.7
s=-
c=IN IP4 198.51.100.7
t=0 0
m=audio 30000 RTP/AVP 8
`);

export const G729_ONLY = crlf(`
v=0
o=- 7 7 IN IP4 198.51.100.8
s=-
c=IN IP4 198.51.100.8
t=0 0
m=audio 30002 RTP/AVP 18 101
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
`);

/** A re-INVITE putting us on hold the RFC 3264 way (same origin, version + 1). */
export const HOLD_SENDONLY = crlf(`
v=0
o=- 1623914917 1623914918 IN IP4 192.168.1.20
s=-
c=IN IP4 192.168.1.20
t=0 0
m=audio 10438 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendonly
`);

/** The RFC 2543 way: connection address 0.0.0.0. */
export const HOLD_NULL_ADDR = crlf(`
v=0
o=- 1623914917 1623914919 IN IP4 192.168.1.20
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 10438 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
`);

export const SRTP_ONLY = crlf(`
v=0
o=- 9 9 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 5004 RTP/SAVP 0 8
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
`);

/** A media-level c= line over IPv6, a dynamic PCMU payload type, and session-level recvonly. */
export const IPV6_DYNAMIC = crlf(`
v=0
o=- 5 5 IN IP6 2001:db8::1
s=-
t=0 0
a=recvonly
m=audio 40000 RTP/AVP 112 113
c=IN IP6 2001:db8::2
a=rtpmap:112 PCMU/8000
a=rtpmap:113 telephone-event/8000
`);

/** Audio port 0 (disabled) next to a text stream: nothing to answer with. */
export const PCMU_TEXT_ONLY = crlf(`
v=0
o=- 11 11 IN IP4 192.0.2.2
s=-
c=IN IP4 192.0.2.2
t=0 0
m=audio 0 RTP/AVP 0
m=text 11000 RTP/AVP 98
a=rtpmap:98 t140/1000
`);
